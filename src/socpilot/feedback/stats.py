"""Per-rule precision and volume over time, from alerts and the verdicts analysts gave them.

A verdict on an incident counts for each of its alerts that has no verdict of its own;
the newest verdict on a target wins.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from socpilot.feedback.suppress import Suppression
from socpilot.feedback.verdicts import Verdict
from socpilot.model.alert import Alert


def alert_verdicts(alerts: Iterable[Alert], verdicts: list[Verdict], incidents: Iterable[Any]) -> dict[str, str]:
    """alert id -> its verdict (its own, else its incident's)."""
    latest: dict[tuple[str, str], Verdict] = {}
    for v in sorted(verdicts, key=lambda v: v.at):
        latest[(v.target_kind, v.target_id)] = v
    by_alert: dict[str, str] = {}
    for inc in incidents:
        verdict = latest.get(("incident", inc.id))
        if verdict:
            for alert_id in inc.alert_ids:
                by_alert[alert_id] = verdict.verdict
    for alert in alerts:
        own = latest.get(("alert", alert.id))
        if own:
            by_alert[alert.id] = own.verdict
    return by_alert


def rule_stats(alerts: list[Alert], verdicts: dict[str, str], suppressions: list[Suppression],
               filters: set[str], now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per rule: volume (alerts, events, per day), verdict counts, precision, tuning in force."""
    moment = now or datetime.now(UTC)
    rows: dict[str, dict[str, Any]] = {}
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for a in alerts:
        row = rows.setdefault(a.rule_id, {"rule_id": a.rule_id, "title": a.rule_title, "level": a.rule_level,
                                          "source": a.rule_source, "alerts": 0, "events": 0,
                                          "true_positive": 0, "false_positive": 0, "benign": 0,
                                          "first": a.first_time, "last": a.last_time})
        row["alerts"] += 1
        row["events"] += a.count
        row["first"] = min(row["first"], a.first_time)
        row["last"] = max(row["last"], a.last_time)
        per_day[a.rule_id][a.first_time.strftime("%Y-%m-%d")] += 1
        verdict = verdicts.get(a.id)
        if verdict:
            row[verdict] += 1
    for rule_id, row in rows.items():
        judged = row["true_positive"] + row["false_positive"] + row["benign"]
        row["precision"] = round(row["true_positive"] / judged, 3) if judged else None
        row["per_day"] = dict(sorted(per_day[rule_id].items()))
        row["suppressions"] = [s.id for s in suppressions if s.rule_id == rule_id and s.active(moment)]
        row["filter"] = rule_id in filters
    return sorted(rows.values(), key=lambda r: (-r["alerts"], r["rule_id"]))
