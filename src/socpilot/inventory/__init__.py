"""What the environment is: assets and identities, imported from files or discovered from telemetry."""

from socpilot.inventory.discover import discover_assets, discover_identities
from socpilot.inventory.gaps import inventory_gaps
from socpilot.inventory.model import Asset, Identity
from socpilot.inventory.records import import_inventory, load_assets, load_identities

__all__ = ["Asset", "Identity", "discover_assets", "discover_identities", "import_inventory",
           "inventory_gaps", "load_assets", "load_identities"]
