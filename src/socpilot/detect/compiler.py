"""Sigma rules -> compiled rules: a scan filter (the logsource) plus a sqlglot condition.

pySigma's Windows pipelines run first (they turn ``category: process_creation`` into
``EventID: 1`` on the Sysmon channel); the compiler then lifts those Channel/EventID
conditions out of the rule into its scan filter, so rules that read the same events
share one scan. Field values come from *symbolic columns* (``l:CommandLine`` = the
lowered ``CommandLine`` field): the engine materialises exactly those per scan, and
``to_store_sql`` substitutes the store expressions for a stand-alone query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionOR
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.pipelines.sysmon import sysmon_pipeline
from sigma.pipelines.windows import windows_logsource_pipeline
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import ValueListPlaceholderTransformation
from sigma.rule import SigmaRule
from sigma.types import SigmaNumber, SigmaString
from sqlglot import exp

from socpilot.detect import extensions
from socpilot.detect.backend import UnsupportedRule, convert
from socpilot.detect.loader import RuleFile
from socpilot.detect.logsources import Target, targets_for

# Conditions the Windows pipelines add (and rules often state): they select events.
_LIFTABLE = {"Channel": "channel", "EventID": "event_code"}
_ATTACK_ID = re.compile(r"attack\.[tgs]\d{4}")  # technique, group or software id


@dataclass(frozen=True)
class RuleMeta:
    """What an alert keeps about its rule (the DRL requires author attribution)."""

    id: str
    title: str
    level: str
    status: str | None
    author: str | None
    license: str | None
    origin: str  # builtin, sigmahq, sigma
    path: str
    description: str | None
    tags: tuple[str, ...]
    product: str | None
    digest: str = ""  # of the rule file's text
    generate: bool = True  # False: only feeds correlation rules (Sigma ``generate``)
    extension: Mapping[str, Any] | None = None  # the socpilot: block (see extensions.py)

    @property
    def techniques(self) -> list[str]:
        return [t.split(".", 1)[1].upper() for t in self.tags if _ATTACK_ID.match(t) and t[7] == "t"]

    @property
    def tactics(self) -> list[str]:
        """Tactic tags (``attack.credential-access``); ids of techniques, groups and software are not."""
        return [t.split(".", 1)[1].replace("_", "-") for t in self.tags
                if t.startswith("attack.") and not _ATTACK_ID.match(t)]


@dataclass(frozen=True)
class CompiledRule:
    key: str  # unique per (rule, target)
    meta: RuleMeta
    target: Target
    condition: exp.Expr  # over symbolic columns
    columns: frozenset[str]


@dataclass(frozen=True)
class Unsupported:
    path: str
    rule_id: str | None
    title: str | None
    product: str | None
    reason: str


@dataclass
class Compiled:
    rules: list[CompiledRule] = field(default_factory=list)
    correlations: list[tuple[RuleMeta, SigmaCorrelationRule]] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)
    loaded: int = 0  # rule documents read (supported or not)


class SymbolicSource:
    """Field values as symbolic column names; records which ones a rule reads."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.used: set[str] = set()

    def name(self, field_name: str, lowered: bool) -> str:
        column = self.target.column(field_name)
        if column is not None:
            return ("lc:" if lowered else "c:") + column
        return ("l:" if lowered else "f:") + self.target.field_key(field_name)

    def field(self, name: str, lowered: bool) -> exp.Expr:
        symbol = self.name(name, lowered)
        self.used.add(symbol)
        return exp.column(symbol, quoted=True)

    def keywords(self) -> exp.Expr:
        self.used.add("kw")
        return exp.column("kw", quoted=True)


def store_expression(symbol: str) -> exp.Expr:
    """The store expression a symbolic column stands for."""
    if symbol == "kw":
        return exp.Lower(this=exp.column("raw"))
    kind, _, name = symbol.partition(":")
    if kind in ("c", "lc"):
        value: exp.Expr = exp.column(name)
    else:
        value = exp.Bracket(this=exp.column("fields"), expressions=[exp.Literal.string(name)])
    return exp.Lower(this=value) if kind in ("l", "lc") else value


def where_expression(where: tuple[tuple[str, tuple[str, ...]], ...],
                     symbolic: bool = False) -> exp.Expr | None:
    """The scan filter of a target over store columns (``symbolic``: source fields as ``f:X`` columns)."""
    parts: list[exp.Expr] = []
    for column, values in where:
        if column.startswith("fields."):
            symbol = "f:" + column[len("fields."):]
            target = exp.column(symbol, quoted=True) if symbolic else store_expression(symbol)
        else:
            target = exp.column(column)
        literals = [exp.Literal.string(v) for v in values]
        parts.append(exp.EQ(this=target, expression=literals[0]) if len(literals) == 1
                     else exp.In(this=target, expressions=literals))
    return exp.and_(*parts) if parts else None


def where_symbols(where: tuple[tuple[str, tuple[str, ...]], ...]) -> set[str]:
    """Symbolic columns a scan filter reads (its ``fields.X`` conditions)."""
    return {"f:" + c[len("fields."):] for c, _ in where if c.startswith("fields.")}


def to_store_sql(rule: CompiledRule, dialect: str = "duckdb") -> str:
    """A stand-alone ``SELECT id FROM events WHERE ...`` for one rule (golden tests, export)."""
    condition = rule.condition.copy().transform(
        lambda node: store_expression(node.name) if isinstance(node, exp.Column) and node.name in rule.columns
        else node)
    where = where_expression(rule.target.where)
    full = exp.and_(where, condition) if where is not None else condition
    return exp.select("id").from_("events").where(full).sql(dialect=dialect)


def windows_pipeline(placeholders: Mapping[str, list[str]] | None = None) -> ProcessingPipeline:
    """pySigma's Sysmon and Windows logsource pipelines, plus placeholder values from the user."""
    values = ProcessingPipeline(
        name="socpilot placeholders", priority=50,
        items=[ProcessingItem(ValueListPlaceholderTransformation(include=sorted(placeholders or {})),
                              identifier="socpilot_placeholders")],
        vars=dict(placeholders or {}),
    )
    return sysmon_pipeline() + windows_logsource_pipeline() + values


def meta_of(rule_file: RuleFile, rule: SigmaRule | SigmaCorrelationRule) -> RuleMeta:
    custom = rule.custom_attributes or {}
    license_ = str(custom.get("license")) if custom.get("license") else rule_file.ruleset.license
    logsource = getattr(rule, "logsource", None)
    return RuleMeta(
        id=str(rule.id) if rule.id else (rule.name or rule.title),
        title=rule.title,
        level=str(rule.level.name).lower() if rule.level else "medium",
        status=str(rule.status.name).lower() if rule.status else None,
        author=rule.author,
        license=license_,
        origin=rule_file.ruleset.origin,
        path=str(rule_file.path),
        description=rule.description,
        tags=tuple(f"{t.namespace}.{t.name}".lower() for t in rule.tags),
        product=logsource.product if logsource else None,
        digest=rule_file.digest,
        extension=custom.get("socpilot"),
    )


def compile_rule(rule_file: RuleFile, rule: SigmaRule,
                 pipeline: ProcessingPipeline | None = None) -> list[CompiledRule] | Unsupported:
    """One rule -> one compiled rule per store location that serves its logsource.

    ``pipeline`` is ``windows_pipeline()`` built once for many rules (building it is slow).
    """
    meta = meta_of(rule_file, rule)

    def unsupported(reason: str) -> Unsupported:
        return Unsupported(str(rule_file.path), meta.id, meta.title, meta.product, reason)

    if meta.extension is not None:
        try:
            extensions.validate(meta.extension)
        except extensions.InvalidExtension as exc:
            return unsupported(f"socpilot extension: {exc}")
    targets = targets_for(rule.logsource)
    if not targets:
        ls = rule.logsource
        return unsupported(f"no store mapping for logsource product={ls.product} category={ls.category} "
                           f"service={ls.service}")
    try:
        # A fresh pipeline object per rule (it records what it applied), sharing the items.
        ((pipeline or windows_pipeline()) + ProcessingPipeline()).apply(rule)
        trees = [c.parsed for c in rule.detection.parsed_condition]
    except SigmaError as exc:
        return unsupported(f"pySigma: {exc}")
    tree = trees[0] if len(trees) == 1 else ConditionOR(list(trees))  # type: ignore[arg-type]
    ls = rule.logsource
    lifted, rest = lift_selectors(tree) if ls.product == "windows" else ({}, [tree])
    if ls.product == "windows" and (ls.category or ls.service) and "channel" not in lifted:
        return unsupported(f"no Windows channel known for category={ls.category} service={ls.service}")
    compiled: list[CompiledRule] = []
    for n, base in enumerate(targets):
        target = base.narrowed(lifted) if ls.product == "windows" else base
        source = SymbolicSource(target)
        try:
            condition = exp.and_(*(convert(t, source) for t in rest), copy=False) if rest else exp.true()
        except UnsupportedRule as exc:
            return unsupported(str(exc))
        compiled.append(CompiledRule(f"{meta.id}#{n}", meta, target, condition, frozenset(source.used)))
    return compiled


def lift_selectors(tree: object) -> tuple[dict[str, set[str]], list[object]]:
    """Split a top-level AND into event selectors (Channel/EventID equalities) and the rest."""
    conjuncts = _flatten_and(tree)
    lifted: dict[str, set[str]] = {}
    rest: list[object] = []
    for item in conjuncts:
        selector = _selector(item)
        if selector is None:
            rest.append(item)
            continue
        column, values = selector
        lifted[column] = lifted[column] & values if column in lifted else values
    return lifted, rest


def _flatten_and(tree: object) -> list[object]:
    if isinstance(tree, ConditionAND):
        return [leaf for arg in tree.args for leaf in _flatten_and(arg)]
    return [tree]


def _selector(item: object) -> tuple[str, set[str]] | None:
    leaves = item.args if isinstance(item, ConditionOR) else [item]
    column = None
    values: set[str] = set()
    for leaf in leaves:
        if not isinstance(leaf, ConditionFieldEqualsValueExpression) or leaf.field not in _LIFTABLE:
            return None
        if column not in (None, _LIFTABLE[leaf.field]):
            return None
        column = _LIFTABLE[leaf.field]
        value = leaf.value
        if isinstance(value, SigmaNumber):
            values.add(str(value))
        elif isinstance(value, SigmaString) and not value.contains_special():
            values.add(str(value))
        else:
            return None
    return (column, values) if column else None


def compile_all(loaded_files: list[RuleFile], unresolved: Mapping[str, str] | None = None,
                placeholders: Mapping[str, list[str]] | None = None) -> Compiled:
    """Compile every loaded rule; parse failures and unsupported rules are listed with reasons."""
    out = Compiled()
    pipeline = windows_pipeline(placeholders)
    referenced_only: set[str] = set()
    for rule_file in loaded_files:
        if rule_file.error is not None:
            out.loaded += 1
            out.unsupported.append(Unsupported(str(rule_file.path), None, None, None, rule_file.error))
            continue
        for rule in rule_file.rules:
            out.loaded += 1
            if isinstance(rule, SigmaCorrelationRule):
                meta = meta_of(rule_file, rule)
                if meta.id in (unresolved or {}):
                    out.unsupported.append(Unsupported(str(rule_file.path), meta.id, meta.title, None,
                                                       (unresolved or {})[meta.id]))
                    continue
                out.correlations.append((meta, rule))
                if not rule.generate:
                    referenced_only.update(str(ref.rule.id) for ref in rule.rules or [] if ref.rule is not None)
                continue
            result = compile_rule(rule_file, rule, pipeline)
            if isinstance(result, Unsupported):
                out.unsupported.append(result)
            else:
                out.rules.extend(result)
    if referenced_only:
        out.rules = [_base_only(r) if r.meta.id in referenced_only else r for r in out.rules]
    return out


def _base_only(rule: CompiledRule) -> CompiledRule:
    meta = RuleMeta(**{**rule.meta.__dict__, "generate": False})
    return CompiledRule(rule.key, meta, rule.target, rule.condition, rule.columns)
