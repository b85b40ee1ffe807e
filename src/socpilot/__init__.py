"""socpilot: an offline SOC copilot.

Flow: ingest (readers -> normalized events) -> store (Parquet + DuckDB catalog)
-> detect (Sigma -> alerts) -> correlate (incidents, narratives); hunt and attack
serve the others; cli and web are thin shells over the Python API.
"""

__version__ = "0.1.0"
