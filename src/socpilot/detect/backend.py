"""pySigma condition trees -> sqlglot expression trees.

The backend walks the condition tree pySigma parsed (after the processing pipelines
ran) and returns one boolean sqlglot expression. It never renders SQL text itself:
the caller renders the tree for DuckDB today or ClickHouse later.

Where a field's value comes from is the caller's business (``FieldSource``): the
same rule compiles to ``lower(fields['CommandLine'])`` for a one-off query over the
store, or to a column of a per-logsource table the engine materialised.

Sigma matches strings case-insensitively, so values are lowered here and compared
with the lowered field (``contains(lower(x), 'y')`` is far faster than ILIKE on
DuckDB). Leaves below a NOT are null-safe (``COALESCE(leaf, FALSE)``) so that ``not
selection`` is true for an event that lacks the field, as Sigma defines it; elsewhere
NULL already counts as no match, and the smaller tree plans faster.
"""

from __future__ import annotations

from typing import Protocol

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaType,
    SpecialChars,
)
from sqlglot import exp


class UnsupportedRule(Exception):
    """The rule (or one of its parts) cannot be expressed; the message says why."""


class FieldSource(Protocol):
    """Where a Sigma field's value lives: ``lowered`` asks for the value in lower case."""

    def field(self, name: str, lowered: bool) -> exp.Expr: ...

    def keywords(self) -> exp.Expr:
        """The lowered text that Sigma keyword (field-less) searches look in."""
        ...


_RE_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: "i",
    SigmaRegularExpressionFlag.MULTILINE: "m",
    SigmaRegularExpressionFlag.DOTALL: "s",
}
_COMPARE = {
    CompareOperators.LT: exp.LT,
    CompareOperators.LTE: exp.LTE,
    CompareOperators.GT: exp.GT,
    CompareOperators.GTE: exp.GTE,
    CompareOperators.NEQ: exp.NEQ,
}
# RE2 (DuckDB, ClickHouse) has no look-around, back-references or atomic groups.
_RE2_UNSUPPORTED = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "\\1", "\\2", "\\3", "*+", "++", "?+")


def convert(tree: object, source: FieldSource, negated: bool = False) -> exp.Expr:
    """Compile a pySigma condition tree (``SigmaCondition.parsed``) into a boolean expression."""
    if isinstance(tree, ConditionAND):
        return exp.and_(*(_paren(convert(a, source, negated)) for a in tree.args), copy=False)
    if isinstance(tree, ConditionOR):
        return exp.or_(*(_paren(convert(a, source, negated)) for a in tree.args), copy=False)
    if isinstance(tree, ConditionNOT):
        return exp.Not(this=_paren(convert(tree.args[0], source, True)))
    if isinstance(tree, ConditionFieldEqualsValueExpression):
        leaf = _field_value(tree.field, tree.value, source)
        return _null_safe(leaf) if negated else leaf
    if isinstance(tree, ConditionValueExpression):
        leaf = _keyword(tree.value, source)
        return _null_safe(leaf) if negated else leaf
    raise UnsupportedRule(f"condition element {type(tree).__name__} is not supported")


def _paren(e: exp.Expr) -> exp.Expr:
    return e if isinstance(e, exp.Paren | exp.Coalesce | exp.Not) else exp.Paren(this=e)


def _null_safe(e: exp.Expr) -> exp.Expr:
    if isinstance(e, exp.Is):
        return e
    return exp.Coalesce(this=e, expressions=[exp.false()])


def _field_value(field: str | None, value: SigmaType, source: FieldSource) -> exp.Expr:
    if field is None:
        return _keyword(value, source)
    if isinstance(value, SigmaExpansion):
        return exp.or_(*(_paren(_field_value(field, v, source)) for v in value.values), copy=False)
    if isinstance(value, SigmaCasedString):
        return string_match(source.field(field, lowered=False), value, lowered=False)
    if isinstance(value, SigmaString):
        return string_match(source.field(field, lowered=True), value, lowered=True)
    if isinstance(value, SigmaBool):
        return exp.EQ(this=source.field(field, lowered=True), expression=exp.Literal.string(str(value).lower()))
    if isinstance(value, SigmaCompareExpression):
        number = exp.TryCast(this=source.field(field, lowered=False), to=exp.DataType.build("double"))
        return _COMPARE[value.op](this=number, expression=_number(value.number))
    if isinstance(value, SigmaNumber):
        return exp.EQ(this=source.field(field, lowered=True), expression=exp.Literal.string(str(value)))
    if isinstance(value, SigmaNull):
        return exp.Is(this=source.field(field, lowered=False), expression=exp.null())
    if isinstance(value, SigmaExists):
        present = exp.Is(this=source.field(field, lowered=False), expression=exp.null())
        return exp.Not(this=present) if value.exists else present
    if isinstance(value, SigmaRegularExpression):
        return regex_match(source.field(field, lowered=False), value)
    if isinstance(value, SigmaCIDRExpression):
        column = source.field(field, lowered=True)
        return exp.or_(*(_paren(string_match(column, SigmaString(p), lowered=True)) for p in value.expand("*")), copy=False)
    if isinstance(value, SigmaFieldReference):
        return _field_reference(field, value, source)
    raise UnsupportedRule(f"value type {type(value).__name__} (field {field}) is not supported")


def _keyword(value: SigmaType, source: FieldSource) -> exp.Expr:
    if isinstance(value, SigmaExpansion):
        return exp.or_(*(_paren(_keyword(v, source)) for v in value.values), copy=False)
    if isinstance(value, SigmaString | SigmaNumber):
        text = value if isinstance(value, SigmaString) else SigmaString(str(value))
        # A keyword matches anywhere in the record, whatever wildcards it has at its ends.
        parts = list(text.s)
        if not parts or parts[0] != SpecialChars.WILDCARD_MULTI:
            parts.insert(0, SpecialChars.WILDCARD_MULTI)
        if parts[-1] != SpecialChars.WILDCARD_MULTI:
            parts.append(SpecialChars.WILDCARD_MULTI)
        anywhere = SigmaString()
        anywhere.s = parts
        return string_match(source.keywords(), anywhere, lowered=True)
    if isinstance(value, SigmaRegularExpression):
        return regex_match(source.keywords(), value)
    raise UnsupportedRule(f"keyword of type {type(value).__name__} is not supported")


def _field_reference(field: str, ref: SigmaFieldReference, source: FieldSource) -> exp.Expr:
    left = source.field(field, lowered=True)
    right = source.field(ref.field, lowered=True)
    if ref.starts_with and ref.ends_with:
        return exp.Contains(this=left, expression=right)
    if ref.starts_with:
        return exp.StartsWith(this=left, expression=right)
    if ref.ends_with:
        return exp.EndsWith(this=left, expression=right)
    return exp.EQ(this=left, expression=right)


def _number(n: SigmaNumber) -> exp.Expr:
    return exp.Literal.number(n.number)


def string_match(column: exp.Expr, value: SigmaString, lowered: bool) -> exp.Expr:
    """Equality, contains, prefix, suffix or LIKE, the cheapest that expresses the Sigma string."""
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            raise UnsupportedRule(f"placeholder %{part.name}% has no value (give it values under placeholders: in detect.yml)")
        if isinstance(part, str):
            text = part.lower() if lowered else part
            if parts and isinstance(parts[-1], str):
                parts[-1] += text
            else:
                parts.append(text)
        else:
            parts.append(part)
    any_ = SpecialChars.WILDCARD_MULTI
    if not parts:
        return exp.EQ(this=column, expression=exp.Literal.string(""))
    if parts == [any_]:
        return exp.Not(this=exp.Is(this=column, expression=exp.null()))
    if len(parts) == 1 and isinstance(parts[0], str):
        return exp.EQ(this=column, expression=exp.Literal.string(parts[0]))
    if len(parts) == 3 and parts[0] == any_ and parts[2] == any_ and isinstance(parts[1], str):
        return exp.Contains(this=column, expression=exp.Literal.string(parts[1]))
    if len(parts) == 2 and parts[1] == any_ and isinstance(parts[0], str):
        return exp.StartsWith(this=column, expression=exp.Literal.string(parts[0]))
    if len(parts) == 2 and parts[0] == any_ and isinstance(parts[1], str):
        return exp.EndsWith(this=column, expression=exp.Literal.string(parts[1]))
    pattern = "".join(_like_part(p) for p in parts)
    return exp.Escape(this=exp.Like(this=column, expression=exp.Literal.string(pattern)),
                      expression=exp.Literal.string("\\"))


def _like_part(part: str | SpecialChars) -> str:
    if part == SpecialChars.WILDCARD_MULTI:
        return "%"
    if part == SpecialChars.WILDCARD_SINGLE:
        return "_"
    assert isinstance(part, str)
    return part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def regex_match(column: exp.Expr, value: SigmaRegularExpression) -> exp.Expr:
    """An unanchored RE2 search; Sigma's flags become an inline ``(?ims)`` group (portable)."""
    pattern = str(value.regexp)
    for marker in _RE2_UNSUPPORTED:
        if marker in pattern:
            raise UnsupportedRule(f"regular expression uses {marker!r}, which RE2 (DuckDB/ClickHouse) lacks")
    flags = "".join(sorted(_RE_FLAGS[f] for f in value.flags))
    if flags:
        pattern = f"(?{flags}){pattern}"
    return exp.RegexpLike(this=column, expression=exp.Literal.string(pattern))
