"""The event store: Parquet partitions by source and day, listed in a DuckDB catalog."""

from socpilot.store.query import run_query
from socpilot.store.store import PartInfo, Store
from socpilot.store.writer import PartWriter

__all__ = ["PartInfo", "PartWriter", "Store", "run_query"]
