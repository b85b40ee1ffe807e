"""Read Sigma rule files from folders into pySigma objects, keeping every failure with its reason.

A file that does not parse is not dropped: it comes back as a ``RuleFile`` with an
error, so ``socpilot rules check`` can list it. Filters (``filter`` documents) found
in the same folders are applied to the rules, as pySigma defines; correlation rules
are resolved against every rule loaded together with them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

BUILTIN = "builtin"
_DRL_MARKERS = ("LICENSE.Detection.Rules.md",)


@dataclass
class RuleSet:
    """One folder's rules: where they came from, under which licence."""

    path: Path
    origin: str  # builtin, sigmahq or sigma (any other folder)
    license: str | None


@dataclass
class RuleFile:
    path: Path
    ruleset: RuleSet
    rules: list[SigmaRule | SigmaCorrelationRule] = field(default_factory=list)
    error: str | None = None
    digest: str = ""  # of the file's text: tells a changed rule set apart cheaply


@dataclass
class Loaded:
    files: list[RuleFile]
    collection: SigmaCollection
    unresolved: dict[str, str]  # correlation rule id -> why its references do not resolve

    def rules(self) -> Iterator[tuple[RuleFile, SigmaRule | SigmaCorrelationRule]]:
        for f in self.files:
            for rule in f.rules:
                yield f, rule


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("socpilot.detect") / "rules" / "builtin"))


def ruleset_for(path: Path) -> RuleSet:
    """Recognise the built-in pack and SigmaHQ checkouts (DRL 1.1: attribution is required)."""
    path = path.resolve()
    if path == builtin_rules_dir().resolve():
        return RuleSet(path, BUILTIN, "Apache-2.0")
    for folder in (path, *path.parents):
        if any((folder / marker).exists() for marker in _DRL_MARKERS):
            return RuleSet(path, "sigmahq", "DRL-1.1")
        license_file = folder / "LICENSE"
        if license_file.is_file() and "Detection Rule License" in license_file.read_text(errors="replace"):
            return RuleSet(path, "sigmahq", "DRL-1.1")
    return RuleSet(path, "sigma", None)


def rule_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def load(paths: Iterable[Path], include_builtin: bool = True) -> Loaded:
    """Load every rule file below ``paths`` (and the built-in pack unless told otherwise)."""
    roots = [builtin_rules_dir()] if include_builtin else []
    roots += [Path(p) for p in paths]
    files: list[RuleFile] = []
    filters: list[SigmaFilter] = []
    for root in roots:
        ruleset = ruleset_for(root)
        for path in rule_files(root):
            rule_file, file_filters = _load_file(path, ruleset)
            files.append(rule_file)
            filters.extend(file_filters)
    everything = [r for f in files for r in f.rules]
    collection = SigmaCollection(everything + filters, resolve_references=False)  # type: ignore[arg-type]
    if filters:  # applying a filter replaces the rule objects: point the files at the new ones
        filtered = {id(old): new for old, new in zip(everything, collection.rules, strict=True)}
        for f in files:
            f.rules = [filtered[id(r)] for r in f.rules]
    unresolved: dict[str, str] = {}
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            try:
                rule.resolve_rule_references(collection)
            except SigmaError as exc:
                unresolved[str(rule.id or rule.name)] = str(exc)
    return Loaded(files, collection, unresolved)


def _load_file(path: Path, ruleset: RuleSet) -> tuple[RuleFile, list[SigmaFilter]]:
    try:
        text = path.read_text(encoding="utf-8")
        digest = hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
        parsed = SigmaCollection.from_yaml(text, collect_errors=True, collect_filters=True,
                                            source=SigmaRuleLocation(path), resolve_references=False)
    except Exception as exc:  # a hostile file must not stop the others (pySigma raises many types)
        return RuleFile(path, ruleset, error=f"{type(exc).__name__}: {exc}"), []
    errors = [str(e) for e in parsed.errors]
    rules: list[SigmaRule | SigmaCorrelationRule] = []
    for rule in parsed.rules:
        if rule.errors:
            errors.extend(str(e) for e in rule.errors)
        else:
            rules.append(rule)
    if errors:
        return RuleFile(path, ruleset, error="; ".join(errors)), []
    return RuleFile(path, ruleset, rules, digest=digest), list(parsed.filters)
