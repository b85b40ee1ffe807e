"""Sigma -> sqlglot: golden SQL per dialect, and Sigma's matching semantics proven on ingested events."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from socpilot.detect.compiler import compile_all, to_store_sql
from socpilot.detect.loader import load
from socpilot.detect.run import detect

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def _compile(tmp_path: Path, body: str, logsource: str = "{product: windows, category: process_creation}"):
    rule = tmp_path / "rules" / "rule.yml"
    rule.parent.mkdir(exist_ok=True)
    rule.write_text(textwrap.dedent(f"""\
        title: Under test
        id: 11111111-2222-3333-4444-555555555555
        status: test
        author: tester
        logsource: {logsource}
        level: high
        """) + textwrap.dedent(body))
    loaded = load([rule.parent], include_builtin=False)
    return compile_all(loaded.files, loaded.unresolved)


def test_golden_sql_for_duckdb_and_clickhouse(tmp_path):
    compiled = _compile(tmp_path, """\
        detection:
          selection:
            Image|endswith: '\\rundll32.exe'
            CommandLine|contains|all: [',#1', 'javascript:']
          filter:
            ParentImage|startswith: 'C:\\Program Files\\'
          condition: selection and not filter
        """)
    rule = compiled.rules[0]
    assert to_store_sql(rule, "duckdb") == (
        "SELECT id FROM events WHERE (channel = 'Microsoft-Windows-Sysmon/Operational' AND event_code = '1' "
        "AND source = 'windows') AND (ENDS_WITH(LOWER(fields['Image']), '\\rundll32.exe') "
        "AND CONTAINS(LOWER(fields['CommandLine']), ',#1') AND CONTAINS(LOWER(fields['CommandLine']), 'javascript:') "
        "AND NOT COALESCE(STARTS_WITH(LOWER(fields['ParentImage']), 'c:\\program files\\'), FALSE))")
    assert to_store_sql(rule, "clickhouse") == (
        "SELECT id FROM events WHERE (channel = 'Microsoft-Windows-Sysmon/Operational' AND event_code = '1' "
        "AND source = 'windows') AND (endsWith(LOWER(fields['Image']), '\\\\rundll32.exe') "
        "AND POSITION(LOWER(fields['CommandLine']), ',#1') > 0 AND POSITION(LOWER(fields['CommandLine']), 'javascript:') > 0 "
        "AND NOT COALESCE(startsWith(LOWER(fields['ParentImage']), 'c:\\\\program files\\\\'), FALSE))")


def test_golden_sql_regex_and_cidr(tmp_path):
    compiled = _compile(tmp_path, """\
        detection:
          selection:
            eventName|re: '^(Stop|Delete)Logging$'
            sourceIPAddress|cidr: 10.0.0.0/8
          condition: selection
        """, logsource="{product: aws, service: cloudtrail}")
    rule = compiled.rules[0]
    assert to_store_sql(rule, "duckdb") == (
        "SELECT id FROM events WHERE source = 'cloudtrail' AND ((REGEXP_MATCHES(fields['eventName'], "
        "'^(Stop|Delete)Logging$')) AND (STARTS_WITH(LOWER(fields['sourceIPAddress']), '10.')))")
    assert to_store_sql(rule, "clickhouse") == (
        "SELECT id FROM events WHERE source = 'cloudtrail' AND ((match(fields['eventName'], "
        "'^(Stop|Delete)Logging$')) AND (startsWith(LOWER(fields['sourceIPAddress']), '10.')))")


def test_unsupported_rules_say_why(tmp_path):
    compiled = _compile(tmp_path, """\
        detection:
          selection:
            CommandLine|re: 'a(?=b)'
          condition: selection
        """)
    assert compiled.rules == []
    assert "RE2" in compiled.unsupported[0].reason
    linux = _compile(tmp_path, "detection: {selection: {a: b}, condition: selection}\n",
                     logsource="{product: linux, category: process_creation}")
    assert linux.unsupported[0].reason.startswith("no store mapping for logsource product=linux")


def _process(n: int, image: str, command_line: str, **extra: Any) -> dict[str, Any]:
    return {"EventID": 1, "Channel": SYSMON, "Hostname": "WS01.corp.example", "SourceName": "Microsoft-Windows-Sysmon",
            "@timestamp": f"2026-11-20T10:00:{n:02d}.000Z", "Image": image, "CommandLine": command_line,
            "ProcessGuid": f"{{0000-{n}}}", **extra}


EVENTS = [
    _process(0, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
             "powershell.exe -NoP -EncodedCommand SQBFAFgA", ParentImage="C:\\Program Files\\Microsoft Office\\WINWORD.EXE",
             User="CORP\\alice"),
    _process(1, "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c whoami", ParentImage="C:\\Windows\\explorer.exe",
             User="CORP\\alice", SourceIp="10.1.2.3"),
    _process(2, "C:\\Windows\\System32\\certutil.exe", "certutil –urlcache –f http://x/a.exe a.exe",
             ParentImage="C:\\Windows\\System32\\cmd.exe", User="CORP\\cmd.exe"),
    _process(3, "C:\\Tools\\PsExec64.exe", "PsExec64.exe \\\\fs01 cmd", ParentImage="C:\\Windows\\explorer.exe",
             SourceIp="192.168.1.9"),
]

CASES = {
    "contains_all_case_insensitive": ("CommandLine|contains|all: ['-NOP', 'encodedcommand']", {0}),
    "endswith_any": ("Image|endswith: ['\\cmd.exe', '\\certutil.exe']", {1, 2}),
    "wildcards": ("Image: 'C:\\Windows\\System32\\c?d.*'", {1}),
    "windash": ("CommandLine|windash|contains: ' -urlcache '", {2}),
    "regex_is_case_sensitive": ("CommandLine|re: 'PsExec'", {3}),
    "regex_i_flag": ("CommandLine|re|i: 'psexec'", {3}),
    "cidr": ("SourceIp|cidr: 10.0.0.0/8", {1}),
    "exists_false": ("SourceIp|exists: false", {0, 2}),
    "fieldref_endswith": ("User|fieldref|endswith: Image", set()),
    "wide_base64offset": ("CommandLine|wide|base64offset|contains: 'IEX'", {0}),
}


def _positions(con) -> dict[str, int]:
    """Event id -> index of its record in the input."""
    ids = [row[0] for row in con.execute('SELECT id FROM events ORDER BY "offset"').fetchall()]
    return {eid: n for n, eid in enumerate(ids)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_modifier_semantics(name, tmp_path, store_of):
    selection, expected = CASES[name]
    compiled = _compile(tmp_path, f"detection:\n  selection:\n    {selection}\n  condition: selection\n")
    assert compiled.unsupported == []
    ws = store_of("windows", EVENTS)
    detect(ws.store, compiled=compiled)
    with ws.connect() as con:
        offsets = _positions(con)
        fired = con.execute("SELECT unnest(event_ids) FROM catalog.alerts").fetchall()
    assert {offsets[row[0]] for row in fired} == expected


def test_not_is_true_when_the_field_is_missing(tmp_path, store_of):
    compiled = _compile(tmp_path, """\
        detection:
          selection:
            Image|endswith: '.exe'
          filter:
            SourceIp|startswith: '10.'
          condition: selection and not filter
        """)
    ws = store_of("windows", EVENTS)
    detect(ws.store, compiled=compiled)
    with ws.connect() as con:
        offsets = _positions(con)
        fired = {offsets[r[0]] for r in con.execute("SELECT unnest(event_ids) FROM catalog.alerts").fetchall()}
    assert fired == {0, 2, 3}
