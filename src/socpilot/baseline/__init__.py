"""What is usual here: per-host, per-user and environment baselines, and the anomalies that break them."""

from socpilot.baseline.anomalies import Anomaly, find_anomalies
from socpilot.baseline.learn import BaselineReport, build_baselines, lookup

__all__ = ["Anomaly", "BaselineReport", "build_baselines", "find_anomalies", "lookup"]
