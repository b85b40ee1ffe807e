"""The side files a SOC has next to its logs: asset inventory, identity list, domain-registration cache."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from socpilot.demo.data import load
from socpilot.demo.org import Org

# Well-known domains the background talks to, with their real-world registration years.
_ESTABLISHED = {
    "office365.com": ("1997-07-31", "MarkMonitor Inc."), "sharepoint.com": ("2000-03-21", "MarkMonitor Inc."),
    "microsoft.com": ("1991-05-02", "MarkMonitor Inc."), "google.com": ("1997-09-15", "MarkMonitor Inc."),
    "gstatic.com": ("2008-02-11", "MarkMonitor Inc."), "microsoftonline.com": ("2005-02-24", "MarkMonitor Inc."),
    "okta.com": ("2002-02-28", "MarkMonitor Inc."), "bbc.co.uk": ("1996-08-01", "British Broadcasting Corporation"),
    "gov.uk": ("1996-08-01", "Jisc Services Limited"), "linkedin.com": ("2002-11-02", "MarkMonitor Inc."),
    "slack.com": ("1996-09-15", "MarkMonitor Inc."), "windowsupdate.com": ("1999-11-30", "MarkMonitor Inc."),
    "googleapis.com": ("2005-01-25", "MarkMonitor Inc."), "amazonaws.com": ("2005-08-18", "MarkMonitor Inc."),
    "trafficengland.com": ("2008-06-04", "Nominet UK"), "digicert.com": ("1999-03-26", "DigiCert, Inc."),
    "dropboxapi.com": ("2012-05-31", "MarkMonitor Inc."), "halcyonfreight.com": ("2009-04-14", "Nominet UK"),
}


def write_assets(org: Org, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hostname", "ip", "mac", "os", "role", "owner", "criticality", "business_service", "sysmon"])
        for h in org.hosts:
            w.writerow([h.name, h.ip, h.mac, h.os, h.role, h.owner, h.criticality, h.service,
                        "yes" if h.sysmon else "no"])


def write_identities(org: Org, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user", "display_name", "department", "title", "groups", "privileged", "mfa_enrolled", "manager",
                    "email", "okta_login", "aws_principal"])
        for u in org.users:
            aws = f"arn:aws:iam::{org.aws_account}:user/{u.aws_user}" if u.aws_user else ""
            w.writerow([u.sam, u.display, u.department, u.title, ";".join(u.groups), str(u.privileged).lower(),
                        str(u.mfa_enrolled).lower(), u.manager, u.email, u.email, aws])
        admin = org.admin
        w.writerow([org.admin_account, f"{admin.display} (admin)", admin.department, admin.title,
                    "Domain Admins;Server Operators", "true", "false", admin.manager, "", "", ""])
        for account, name in ((org.backup_aws_user, "Backup service"), (org.fleet_aws_user, "Fleet tracking service")):
            w.writerow([account, name, "IT", "Service account", "", "false", "false", admin.sam, "", "",
                        f"arn:aws:iam::{org.aws_account}:user/{account}"])


def write_domains(org: Org, path: Path, attack_day: datetime) -> None:
    """The registration cache: every domain the data mentions, the attacker's among them."""
    c2 = load("attack")["c2"]
    rows = sorted(_ESTABLISHED.items())
    created = (attack_day - timedelta(days=c2["registered_days_before"])).strftime("%Y-%m-%d")
    rows.append((c2["domain"], (created, c2["registrar"])))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["domain", "created", "registrar"])
        for domain, (when, registrar) in sorted(rows):
            w.writerow([domain, when, registrar])
