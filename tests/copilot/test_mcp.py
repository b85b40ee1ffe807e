"""The MCP server, exercised through the MCP SDK's own client over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from socpilot.api import Workspace

ZEEK_DNS = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\trcode_name\tanswers\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tstring\tvector[string]\n"
    "1700000000.000000\tCdns1\t10.0.0.5\t53000\t10.0.0.1\t53\tudp\tevil-domain.example\tA\tNOERROR\t203.0.113.7\n"
)


def _call(home: Path) -> tuple[list[str], dict[str, object]]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "socpilot.cli", "mcp", "--home", str(home)])

    async def session() -> tuple[list[str], dict[str, object]]:
        async with Client(params) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            result = await client.call_tool("coverage", {})
            return tools, result.structured_content or {}

    return asyncio.run(session())


def test_mcp_exposes_only_read_only_investigation_tools(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log = tmp_path / "dns.log"
    log.write_text(ZEEK_DNS)
    Workspace.open(home).ingest([log])
    tools, coverage = _call(home)
    assert tools == ["attack_lookup", "coverage", "entity_profile", "hunt", "incident_summary", "indicator_search"]
    assert coverage["Passive DNS"] is True and coverage["Process Creation"] is False
