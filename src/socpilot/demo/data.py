"""The demo's YAML data files, loaded once per process (they never change at run time)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> dict[str, Any]:
    """``socpilot/demo/data/<name>.yaml`` as a dict."""
    text = resources.files("socpilot.demo").joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")
    # The C loader when libyaml is there: each generator process loads these files once.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
