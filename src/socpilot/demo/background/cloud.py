"""CloudTrail background: instance roles and services at work, IT staff reading and checking."""

from __future__ import annotations

import random
from typing import Any

from socpilot.demo.background.common import Hour, between, cumulative, one_of, pick
from socpilot.demo.data import load
from socpilot.demo.formats import cloudtrail as ct
from socpilot.demo.formats.clock import iso_s
from socpilot.demo.org import Org
from socpilot.demo.rng import hex_id, stream, uuid
from socpilot.demo.template import fill_tree

CLI_AGENT = "aws-cli/2.17.42 md/awscrt#0.21.2 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{command}"
CONSOLE_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SDK_AGENT = "aws-sdk-java/1.12.772 Linux/5.10.227-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. cfg/retry-mode/standard"


def principal_id(seed: int, name: str, prefix: str = "AIDA") -> str:
    rng = stream(seed, "aws-principal", name)
    return prefix + "".join(one_of(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(17))


def access_key(seed: int, name: str, prefix: str = "AKIA") -> str:
    rng = stream(seed, "aws-key", name, prefix)
    return prefix + "".join(one_of(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


class CloudBackground:
    def __init__(self, org: Org, seed: int) -> None:
        spec = load("background")
        self.org, self.seed = org, seed
        self.calls: list[dict[str, Any]] = spec["cloudtrail"]
        self.cum = cumulative([c["weight"] for c in self.calls])
        self.staff = [u for u in org.users if u.aws_user and u.sam != org.victim.sam] or [org.admin]

    def generate(self, hour: Hour, rng: random.Random, n: int) -> list[tuple[float, dict[str, Any]]]:
        org = self.org
        out = []
        for ts in hour.times(rng, n):
            call = pick(rng, self.calls, self.cum)
            who = call["who"]
            if who == "user" and not (8 <= hour.hour < 18) and rng.random() < 0.8:
                who = "role"  # staff work office hours; automation does not stop
            if who == "role":
                role = org.aws_reporting_role
                session = "erp-reporting"  # Lambda names the session after the function
                ident = ct.identity("AssumedRole", org.aws_account, f"{role}/{session}",
                                    principal_id(self.seed, role, "AROA"), access_key(self.seed, session, "ASIA"),
                                    session_ts=hour.start)
                ip, agent = f"10.40.{between(rng, 1, 4)}.{between(rng, 10, 250)}", SDK_AGENT
            elif who == "service":
                service = "lambda.amazonaws.com"
                ident, ip, agent = ct.identity("AWSService", org.aws_account, service, ""), service, service
            elif who == "fleet":
                ident = ct.identity("IAMUser", org.aws_account, org.fleet_aws_user,
                                    principal_id(self.seed, org.fleet_aws_user), access_key(self.seed, org.fleet_aws_user))
                ip, agent = org.egress_ip, SDK_AGENT.replace("Linux/5.10.227-219.884.amzn2.x86_64", "Windows_Server_2022/10.0")
            elif who == "backup":
                ident = ct.identity("IAMUser", org.aws_account, org.backup_aws_user,
                                    principal_id(self.seed, org.backup_aws_user), org.backup_key_id)
                ip, agent = org.egress_ip, CLI_AGENT.replace("{command}", "s3.sync")
            else:
                user = one_of(rng, self.staff)
                ident = ct.identity("IAMUser", org.aws_account, user.aws_user or user.sam,
                                    principal_id(self.seed, user.sam), access_key(self.seed, user.sam))
                ip, agent = org.egress_ip, CLI_AGENT.replace("{command}", call["name"].lower())
            ctx = {"account": org.aws_account, "bucket": one_of(rng, org.buckets), "iso": iso_s(ts - 3600),
                   "aws_user": ident.get("userName", "")}
            request = fill_tree(call.get("request"), rng, ctx, {})
            out.append((ts, ct.record(ts, uuid(rng), hex_id(rng, 16).upper(), org.aws_account, org.aws_region,
                                      call["source"], call["name"], ident, ip, agent, request,
                                      read_only=call.get("read_only", True))))
        return out
