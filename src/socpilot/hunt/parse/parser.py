"""Plain English -> HuntQuery, offline: recognizers claim parts of the question, the
question's shape (who/which/how many/top, "then") decides what comes back.

The parser never guesses silently: a name it cannot place becomes one clarifying
question with choices, and words it could not map are returned to be shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from socpilot.hunt.parse.entities import Entity, recognise
from socpilot.hunt.parse.known import Known
from socpilot.hunt.parse.text import Text, phrase_pattern, phrases_pattern
from socpilot.hunt.parse.timeexpr import parse_time
from socpilot.hunt.query import Enrichment, Filter, HuntQuery, Scope, Sequence, Spread, Step

CONTACT_CLASSES = ["network", "dns", "http", "tls"]
MAX_QUESTION = 2000


class Clarification(BaseModel):
    """One question back to the analyst, with the answers socpilot can act on."""

    question: str
    choices: list[str]
    slot: str  # what the answer fills: host, user, ...
    value: str  # what the question said


class ParseResult(BaseModel):
    query: HuntQuery | None = None
    clarification: Clarification | None = None
    unparsed: list[str] = []
    notes: list[str] = []


@cache
def vocabulary() -> dict[str, Any]:
    text = resources.files("socpilot.hunt.parse").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _phrases(section: str) -> dict[str, list[str]]:
    return vocabulary()[section]


@dataclass
class _Clause:
    """What one part of the question (the whole, or a step of a sequence) asks for."""

    classes: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    contact: bool = False
    entities: list[Entity] = field(default_factory=list)
    processes: list[tuple[int, str]] = field(default_factory=list)  # (position, image name)


@dataclass
class _State:
    text: Text
    known: Known
    notes: list[str] = field(default_factory=list)
    enrich: list[Enrichment] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    clarification: Clarification | None = None


def parse_question(question: str, known: Known | None = None, registrations: bool = True) -> ParseResult:
    """Parse one question. ``registrations`` says whether a domain-registration cache is imported."""
    text = Text(" ".join(question[:MAX_QUESTION].split()))
    st = _State(text, known or Known())
    if len(question) > MAX_QUESTION:
        st.notes.append(f"only the first {MAX_QUESTION} characters of the question were read")
    entities = _not_names(text, st.known, recognise(text))  # first: a path or domain may hold vocabulary words
    actions = _cloud_actions(text)  # before "new": "new access keys" is an action
    _enrichments(st, registrations)
    time, time_notes = parse_time(text)
    st.notes.extend(time_notes)
    within = _within(text)
    shape = _shape(text)
    _sources(st)
    segments = _segments(text)
    clauses = [_clause(st, text.window(lo, hi), [a for a in actions if lo <= a[0] < hi],
                       [e for e in entities if lo <= e.start < hi])
               for lo, hi in segments]
    if st.clarification:
        return ParseResult(clarification=st.clarification, notes=st.notes)
    returns = _returns(text)
    _finish_enrichments(st, clauses, returns)
    try:
        query = _build(st, clauses, returns, shape, time, within)
    except (ValidationError, ValueError) as err:
        return ParseResult(unparsed=[question], notes=[*st.notes, f"could not build a query: {err}"])
    unparsed = _leftover(text)
    if query == HuntQuery(time=query.time) and query.time.kind == "all" and query.time.hour_from is None:
        words = unparsed or [question]
        return ParseResult(unparsed=words, notes=[*st.notes, "nothing in the question could be mapped: "
                                                  + ", ".join(repr(w) for w in words)])
    if unparsed:
        st.notes.append("could not map: " + ", ".join(repr(w) for w in unparsed))
    return ParseResult(query=query, unparsed=unparsed, notes=st.notes)


# -- question-wide recognizers ---------------------------------------------------------------

_NAME_CUES = {"user", "account", "username", "principal", "identity", "host", "hostname", "machine", "device",
              "computer", "endpoint", "box", "workstation", "server", "laptop"}


def _not_names(text: Text, known: Known, entities: list[Entity]) -> list[Entity]:
    """Give back dotted words that are user or host names ("user sarah.whitfield"), not domains."""
    kept = []
    for e in entities:
        cue = set(text.before(e.start, 1)) & _NAME_CUES
        if e.kind == "domain" and (cue or known.account("user", e.value) or known.account("host", e.value)):
            text.release(e.start, e.end)
            continue
        if e.kind == "email" and cue:
            word = re.search(r"[\w\-]+\s*$", text.lower[:e.start])
            if word:
                text.take(word.start(), word.end())
        kept.append(e)
    return kept


def _cloud_actions(text: Text) -> list[tuple[int, str]]:
    found = []
    for action, phrases in _phrases("cloud_actions").items():
        while (m := text.take_phrase(phrases)) is not None:
            found.append((m.start(), action))
    return sorted(found)


_DAYS = r"(?:in\s+the\s+(?:last|past)|within(?:\s+the\s+(?:last|past))?|less\s+than|under|in\s+under)\s+" \
        r"(?:(\d+)\s+days?|(?:a\s+|one\s+)?(week|month))(?:\s+ago)?"
_REGISTERED = [
    re.compile(r"\b(?:newly|recently|freshly|just|new(?:ly)?)[\s-]+(?:registered|created)(?:\s+domains?)?\b(?:\s+" + _DAYS + ")?"),
    re.compile(r"\b(?:domains?\s+(?:that\s+were\s+|which\s+were\s+)?)?(?:registered|created)\s+" + _DAYS),
    re.compile(r"\bdomains?\s+(?:younger|newer)\s+than\s+(\d+)\s+days"),
]
_FIRST_SEEN = [
    re.compile(r"\b(?:first[\s-]seen|never[\s-]+(?:been\s+)?seen[\s-]+before|never[\s-]before[\s-]seen|new\s+to\s+(?:the|our|this)\s+(?:environment|network|org(?:anization|anisation)?))\b"
               r"(?:\s+in\s+(?:this|the|our|your)\s+(?:environment|network))?(?:\s+" + _DAYS + ")?"),
    re.compile(r"\bnew(?:ly[\s-]seen)?\s+(?=(domains?|processes|process|binaries|executables|countries|country|locations?|ips?|destinations?|ports?)\b)"),
]
_RARE = re.compile(r"\b(?:rare|rarely[\s-]seen|uncommon|unusual|seldom[\s-]seen|infrequent|rarest|least[\s-]common|anomalous)\b")
_SEEN_ON_FEW = re.compile(r"\b(?:seen|run|ran|visited|resolved|contacted)\s+(?:by|on)\s+(?:only\s+)?(one|a\s+single|1|two|2|three|3|fewer\s+than\s+\d+|less\s+than\s+\d+)\s+(hosts?|machines?|devices?|endpoints?|computers?|users?|accounts?)\b")
_OUTSIDE = re.compile(r"\b(?:outside(?:\s+of)?|after|out\s+of)\s+(?:normal\s+|business\s+|working\s+|office\s+|work\s+)?hours\b|\b(?:after|off)[\s-]hours\b|\bat\s+night\b|\bovernight\b|\bon\s+(?:the\s+)?weekends?\b|\bin\s+the\s+middle\s+of\s+the\s+night\b")
_PRIVILEGED = re.compile(r"\b(?:privileged|admin|admins|administrator|administrators|administrative|elevated|high[\s-]privilege)(?:\s+(?:users?|accounts?|identities|identity|admins?|people))?\b")
_GROUP = re.compile(r"\b(?:members?\s+of|in\s+(?:the\s+)?group|belonging\s+to)\s+(?:the\s+)?(\"[^\"]+\"|'[^']+'|[\w\-]+(?:\s+admins)?)(?:\s+group)?\b|\b(domain\s+admins|enterprise\s+admins)\b")
_NO_ENROLL = re.compile(r"\b(?:not|never)\s+enrolled\s+in\s+(?:mfa|multi[\s-]?factor|2fa)\b|\bwithout\s+(?:an?\s+)?(?:mfa|multi[\s-]?factor|2fa)\s+enrol(?:l)?ment\b|\bno\s+mfa\s+enrol(?:l)?ment\b")
_NO_MFA = re.compile(r"\b(?:without|no|missing|lacking|bypass(?:ing|ed)?|skipp(?:ing|ed)|absent)\s+(?:an?\s+)?(?:mfa|multi[\s-]?factor|2fa|two[\s-]factor)(?:\s+authentication)?\b|\bnon[\s-]mfa\b|\bsingle[\s-]factor\b")
_WITH_MFA = re.compile(r"\b(?:with|using|passed)\s+(?:mfa|multi[\s-]?factor|2fa)\b")
_ASSET_NOUN = r"(?:\s+(?:hosts?|servers?|machines?|assets?|systems?|devices?|boxes|endpoints?))?"
_CRITICAL = re.compile(r"\b(critical|crown[\s-]jewel|high[\s-]criticality|business[\s-]critical|tier[\s-]?0)" + _ASSET_NOUN + r"\b")
_CRITICALITY = re.compile(r"\bcriticality\s+(?:is\s+|of\s+|=\s*)?(\w+)\b|\b(\w+)[\s-]criticality" + _ASSET_NOUN + r"\b")
_OWNER = re.compile(r"\bowned\s+by\s+([\w.\-@]+)|\bowner\s+(?:is\s+)?([\w.\-@]+)")
_ROLE = re.compile(r"\bdomain\s+controllers?\b|\b(?:with\s+)?role\s+(?:is\s+|of\s+)?([\w\-]+)")
_NEW_COUNTRY = re.compile(r"\b(?:new|unusual|never[\s-]seen|first[\s-]seen|unfamiliar|different)\s+(?:countr(?:y|ies)|locations?|geo(?:graph(?:y|ies))?)\b(?:\s+for\s+(?:the|that|this)\s+user)?")


def _days(m: re.Match[str], default: int) -> int:
    groups = [g for g in m.groups() if g]
    numbers = [int(g) for g in groups if g.isdigit()]
    if numbers:
        return numbers[0]
    return 7 if "week" in groups else 30 if "month" in groups else default


def _enrichments(st: _State, registrations: bool) -> None:
    text, out = st.text, st.enrich
    m: re.Match[str] | None
    for pattern in _REGISTERED:
        for m in list(text.matches(pattern)):
            text.take(m.start(), m.end())
            days = _days(m, 30)
            if registrations:
                out.append(Enrichment(kind="registered", entity="domain", days=days))
            else:
                out.append(Enrichment(kind="first_seen", entity="domain", days=days))
                st.notes.append("no domain-registration cache is imported (socpilot intel import FILE): "
                                f"showing domains first seen in your environment in the last {days} days instead")
    if (m := text.first(_NEW_COUNTRY)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="first_seen", entity="country", scope="user", days=_days(m, 1)))
    for pattern in _FIRST_SEEN:
        for m in list(text.matches(pattern)):
            text.take(m.start(), m.end())
            follows = m.group(m.lastindex or 0) if pattern is _FIRST_SEEN[1] else None
            entity = _entity_word(follows) if follows else None
            out.append(Enrichment(kind="first_seen", entity=entity, days=_days(m, 7)))
    if (m := text.first(_SEEN_ON_FEW)) is not None:
        text.take(m.start(), m.end())
        count = re.search(r"\d+", m.group(1))
        limit = 1 if count is None else int(count.group(0)) - (1 if "than" in m.group(1) else 0)
        word = {"two": 2, "three": 3}.get(m.group(1).split()[-1], limit)
        few: Scope = "user" if m.group(2).startswith(("user", "account")) else "host"
        out.append(Enrichment(kind="rare", scope=few,
                              max_count=word if count is None else limit))
        text.take_all(["rare", "rarely seen", "uncommon", "unusual"])
    elif (m := text.first(_RARE)) is not None:
        text.take(m.start(), m.end())
        scope: Scope = "user" if re.search(r"\b(?:for|per|by)\s+(?:the\s+|each\s+|this\s+)?users?\b", text.lower) \
            else "host"
        out.append(Enrichment(kind="rare", scope=scope, max_count=2))
    if (m := text.first(_OUTSIDE)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="outside_hours"))
    if (m := text.first(_GROUP)) is not None:
        text.take(m.start(), m.end())
        group = (m.group(1) or m.group(2)).strip("\"'")
        # "in group Finance Team": capitalised words that follow belong to the group's name
        pos = m.end()
        while (more := re.match(r"\s+([A-Z][\w-]*)", text.original[pos:])) and text.free(pos, pos + more.end()):
            group += " " + more.group(1).lower()
            text.take(pos, pos + more.end())
            pos += more.end()
        out.append(Enrichment(kind="identity", entity="user", attribute="groups", value=group))
    if (m := text.first(_NO_ENROLL)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="identity", entity="user", attribute="mfa_enrolled", value=False))
    if (m := text.first(_PRIVILEGED)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="identity", entity="user", attribute="privileged", value=True))
    _assets(st)


def _assets(st: _State) -> None:
    text, out = st.text, st.enrich
    if (m := text.first(_CRITICALITY)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="asset", entity="host", attribute="criticality", value=m.group(1) or m.group(2)))
    elif (m := text.first(_CRITICAL)) is not None:
        text.take(m.start(), m.end())
        word = m.group(1).replace(" ", "-")
        value = "high" if word.startswith("high") else "critical"
        out.append(Enrichment(kind="asset", entity="host", attribute="criticality", value=value))
    if (m := text.first(_OWNER)) is not None:
        text.take(m.start(), m.end())
        out.append(Enrichment(kind="asset", entity="host", attribute="owner", value=m.group(1) or m.group(2)))
    if (m := text.first(_ROLE)) is not None:
        text.take(m.start(), m.end())
        role = m.group(1) or "domain controller"
        out.append(Enrichment(kind="asset", entity="host", attribute="role", value=role))


EntityName = Literal["domain", "process", "ip", "country", "host", "user", "port", "action", "user_agent"]


def _entity_word(word: str) -> EntityName | None:
    word = word.lower()
    prefixes: tuple[tuple[str, EntityName], ...] = (
        ("domain", "domain"), ("process", "process"), ("binar", "process"), ("executable", "process"),
        ("countr", "country"), ("location", "country"), ("ip", "ip"), ("destination", "ip"))
    for prefix, entity in prefixes:
        if word.startswith(prefix):
            return entity
    return None


_WITHIN = re.compile(r"\b(?:within|in\s+under|in\s+less\s+than|inside)\s+(?:the\s+)?(\d+|a|an|one|two|five|ten|thirty|fifteen)\s*(seconds?|secs?|minutes?|mins?|m|hours?|hrs?|h)\b")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "five": 5, "ten": 10, "fifteen": 15, "thirty": 30}


def _within(text: Text) -> int | None:
    m = text.first(_WITHIN)
    if m is None:
        return None
    text.take(m.start(), m.end())
    amount = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
    unit = m.group(2)
    if unit.startswith("h"):
        return amount * 60
    if unit.startswith("s"):
        return max(1, amount // 60)
    return amount


_SPREAD = re.compile(r"\b(?:more\s+than|over|at\s+least|(\d+)\s*\+|(\d+)\s+or\s+more)\s*"
                     r"(\d+|one|two|three|four|five|ten|twenty)?\s+"
                     r"(?:(?:different|distinct|unique|destination|remote|source)\s+)*"
                     r"(hosts?|machines?|devices?|countr(?:y|ies)|users?|accounts?|domains?|ips?|addresses|"
                     r"process(?:es)?|ports?)\b")
_SPREAD_ENTITY: dict[str, EntityName] = {
    "host": "host", "machine": "host", "device": "host", "countr": "country", "user": "user",
    "account": "user", "domain": "domain", "ip": "ip", "address": "ip", "process": "process", "port": "port"}
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "twenty": 20}


def _spread(text: Text) -> Spread | None:
    """"more than one country", "at least 3 hosts", "20+ domains": a minimum of distinct values."""
    m = text.first(_SPREAD)
    if m is None:
        return None
    plus, or_more, number, noun = m.group(1), m.group(2), m.group(3), m.group(4)
    given = plus or or_more or number
    if given is None:
        return None
    count = int(given) if given.isdigit() else _COUNT_WORDS[given]
    if "more than" in m.group(0) or m.group(0).startswith("over"):
        count += 1
    entity = next(v for k, v in _SPREAD_ENTITY.items() if noun.startswith(k))
    text.take(m.start(), m.end())
    return Spread(entity=entity, at_least=max(2, count))


@dataclass
class _Shape:
    per: str | None = None  # "per host": one row per entity, whatever else asks for a count
    spread: Spread | None = None
    count: bool = False
    limit: int | None = None
    order: str | None = None
    bytes: bool = False


_PER = re.compile(r"\b(?:per|for\s+each|grouped\s+by|broken\s+down\s+by)\s+(host|user|domain|process|country|port|ip|machine|device|account|source|log\s+source)(?:s|es)?\b")
_PER_RETURNS = {"host": "hosts", "machine": "hosts", "device": "hosts", "user": "users", "account": "users",
                "domain": "domains", "process": "processes", "country": "countries", "port": "ports", "ip": "ips",
                "source": "sources", "log source": "sources"}
_HOW_MANY = re.compile(r"\b(?:how\s+many|number\s+of|count\s+(?:of|the)|count)\b")
_TOP = re.compile(r"\b(?:top|first|latest|last|most\s+recent)\s+(\d+)\b")
_BYTES = re.compile(r"\b(?:by\s+(?:bytes|volume|data|traffic)|most\s+(?:data|bytes|traffic)|(?:sent|uploaded|transferred)\s+the\s+most(?:\s+data)?|top\s+talkers|biggest\s+uploads?|largest\s+transfers?)\b")
_MOST = re.compile(r"\b(?:most(?:\s+(?:often|frequent|frequently|common|active))?|busiest|noisiest|highest\s+number\s+of)\b")
_LEAST = re.compile(r"\b(?:least|fewest)\b")


def _shape(text: Text) -> _Shape:
    shape = _Shape(spread=_spread(text))
    if (m := text.first(_PER)) is not None:
        text.take(m.start(), m.end())
        shape.per = _PER_RETURNS[m.group(1)]
    if (m := text.first(_BYTES)) is not None:
        text.take(m.start(), m.end())
        shape.bytes, shape.order = True, "bytes_desc"
    if (m := text.first(_HOW_MANY)) is not None:
        text.take(m.start(), m.end())
        shape.count = True
    if (m := text.first(_TOP)) is not None:
        text.take(m.start(), m.end())
        shape.limit = max(1, min(int(m.group(1)), 10_000))
        if shape.order is None:
            shape.order = "time_desc" if m.group(0).startswith(("latest", "last", "most recent")) else "count_desc"
    if (m := text.first(_MOST)) is not None:
        text.take(m.start(), m.end())
        shape.order = shape.order or "count_desc"
    if (m := text.first(_LEAST)) is not None:
        text.take(m.start(), m.end())
        shape.order = "count_asc"
    return shape


def _sources(st: _State) -> None:
    text = st.text
    if text.take_phrase(vocabulary()["sensor_phrases"]):
        st.sources.extend(["zeek", "suricata"])
    for source, phrases in _phrases("sources").items():
        if text.take_phrase(phrases) and source not in st.sources:
            st.sources.append(source)


_CONNECTOR = re.compile(r"(?:,\s*)?\b(?:and\s+then|then|followed\s+by|and\s+later|and\s+afterwards|after\s+that|and\s+subsequently|before)\b")


def _segments(text: Text) -> list[tuple[int, int]]:
    cuts = list(text.matches(_CONNECTOR))
    bounds, lo = [], 0
    for m in cuts:
        text.take(m.start(), m.end())
        bounds.append((lo, m.start()))
        lo = m.end()
    bounds.append((lo, len(text.original)))
    return bounds


# -- one clause ------------------------------------------------------------------------------

_CMD = [
    re.compile(r"\b(?:command[\s-]?lines?|cmd[\s-]?lines?|arguments|args|parameters)\s+(?:that\s+)?(?:containing|contains?|with|including|includes?|mentioning|mentions?|having|has|like|matching)\s+(\"[^\"]+\"|'[^']+'|`[^`]+`|\S+)"),
    re.compile(r"(\"[^\"]+\"|'[^']+'|`[^`]+`|\S+)\s+in\s+(?:the\s+|its\s+|their\s+|a\s+)?(?:command[\s-]?lines?|cmd[\s-]?lines?|arguments)"),
]
_ENCODED = re.compile(r"\b(?:encoded|base64|obfuscated)(?:\s+(?:commands?|command\s+lines?|scripts?))?\b")
_LONG = re.compile(r"\b(?:very\s+)?long\s*(?:dns\s+)?(?:names?|queries|query|domains?|subdomains?|hostnames?)?\b")
_ENTROPY = re.compile(r"\b(?:high[\s-]entropy|random[\s-]looking|random|dga(?:[\s-]like)?|algorithmically[\s-]generated|gibberish)\b")
_SIGNED = re.compile(r"\b(unsigned|not\s+signed|without\s+(?:a\s+)?signature|signed)\b")
_HOST_CUE = re.compile(r"\b(?:on|from|at|for|of|to)?\s*(?:the\s+)?(?:host|hostname|machine|device|computer|endpoint|box|workstation|server|laptop)\s+(?!that\b|which\b|where\b|with\b|named\b)([\w.\-$\\]+)")
_USER_CUE = re.compile(r"\b(?:by\s+|for\s+|of\s+)?(?:the\s+)?(?:user|account|username|principal|identity)\s+(?!that\b|which\b|who\b|with\b|named\b|agents?\b)([\w.\-$\\@]+)")
_POSSESSIVE = re.compile(r"\b([\w.\-]+)'s\b")
_CHILD_VERBS = re.compile(r"\b(?:spawn(?:s|ed|ing)?|launch(?:es|ed|ing)?|start(?:s|ed|ing)?|creat(?:e|es|ed|ing)|open(?:s|ed|ing)?|run(?:s|ning)?|ran|execut(?:e|es|ed|ing)|child(?:ren)?)\b")


_LOGON_TYPE = re.compile(r"\blogon[\s_-]?type\s*(?:=|is|of)?\s*(\d{1,2})\b")
_BUCKET = re.compile(r"\b(?:s3\s+)?bucket\s+(?!policy\b|acl\b|public\b)([a-z0-9][a-z0-9.\-]{2,62})\b"
                     r"|\b(?:the\s+)?([a-z0-9][a-z0-9.\-]{2,62})\s+(?:s3\s+)?bucket\b")


def _clause(st: _State, text: Text, actions: list[tuple[int, str]], entities: list[Entity]) -> _Clause:
    c = _Clause(entities=entities)
    if (m := text.first(_LOGON_TYPE)) is not None:
        text.take(m.start(), m.end())
        c.filters.append(Filter(field="logon_type", value=int(m.group(1))))
        _add(c, "authentication")
    if (m := text.first(_BUCKET)) is not None and (m.group(1) or m.group(2)) not in ("the", "a", "public"):
        text.take(m.start(), m.end())
        c.filters.append(Filter(field="cloud_resource", op="contains", value=m.group(1) or m.group(2)))
        _add(c, "api")
    for _, action in actions:
        c.filters.append(Filter(field="cloud_action", value=action))
    if actions:
        c.classes.append("api")
    _names(st, text, c)
    _command_lines(text, c)
    _vocab_processes(text, c)
    _countries(text, c)
    _outcomes(text, c)
    _mfa(text, c)
    if text.take_phrase(vocabulary()["contact_verbs"]):
        c.contact = True
    _dns_shape(text, c)
    # one pattern over every class's phrases, longest first: "run key" is registry, not "run"
    by_phrase = {p: cls for cls, phrases in _phrases("classes").items() for p in phrases}
    for m in list(text.matches(phrases_pattern(tuple(by_phrase)))):
        if text.free(m.start(), m.end()):
            text.take(m.start(), m.end())
            _add(c, by_phrase[" ".join(m.group(0).split())])
    _signed(text, c)
    _entity_filters(text, c, st.known, st.notes)
    return c


def _names(st: _State, text: Text, c: _Clause) -> None:
    """Hosts and users the question names, checked against the store."""
    for kind, pattern, column in (("host", _HOST_CUE, "host"), ("user", _USER_CUE, "user_any")):
        for m in list(text.matches(pattern)):
            value = text.original[m.start(1):m.end(1)].rstrip(".,;?!")
            if not value or value.isdigit():
                continue
            resolved = _resolve(st, kind, value)
            text.take(m.start(), m.end())
            if resolved:
                c.filters.append(_name_filter(column, resolved))
    for m in list(text.matches(_POSSESSIVE)):
        value = text.original[m.start(1):m.end(1)]
        for kind, column in (("user", "user_any"), ("host", "host")):
            stored = st.known.account(kind, value)
            if stored:
                text.take(m.start(), m.end())
                c.filters.append(_name_filter(column, stored))
                break
    if not (st.known.hosts or st.known.users):
        return
    # bare words that are exactly a stored host or user name
    for m in list(text.matches(re.compile(r"(?<![\w\-.])[\w\-.$\\]+(?![\w\-])"))):
        word = text.original[m.start():m.end()].rstrip(".")
        if len(word) < 3 or word.lower() in vocabulary()["stopwords"]:
            continue
        host, user = st.known.account("host", word), st.known.account("user", word)
        if host and user and st.clarification is None:
            st.clarification = Clarification(question=f"Is {word!r} the host or the user?",
                                             choices=[f"host {host[0]}", f"user {user[0]}"], slot="entity",
                                             value=word)
        elif host or user:
            text.take(m.start(), m.end())
            c.filters.append(_name_filter("host" if host else "user_any", host or user))


def _resolve(st: _State, kind: str, value: str) -> list[str]:
    """The stored spellings of the host or user a question names; [] after asking which one."""
    names = st.known.names(kind)
    if not names:
        return [value]  # nothing to check against: take the name as said
    stored = st.known.account(kind, value)
    if stored:
        return stored
    close = st.known.close(kind, value)
    owners = {st.known.account(kind, n)[0] if st.known.account(kind, n) else n for n in close}
    if len(owners) == 1:
        chosen = st.known.account(kind, close[0]) or close[:1]
        st.notes.append(f"{kind} {value!r} read as {chosen[0]!r} (closest name in the data)")
        return chosen
    if st.clarification is None:
        if close:
            question = f"Which {kind} did you mean by {value!r}?"
        else:
            question = f"There is no {kind} named {value!r} in the data. Search for it anyway, or pick one?"
            close = sorted(names)[:5]
        st.clarification = Clarification(question=question, choices=[*close, f"search for {value!r} anyway"],
                                         slot=kind, value=value)
    return []


def _name_filter(column: str, names: list[str]) -> Filter:
    return Filter(field=column, value=names[0]) if len(names) == 1 else Filter(field=column, op="in", value=names)


def _command_lines(text: Text, c: _Clause) -> None:
    for pattern in _CMD:
        for hit in list(text.matches(pattern)):
            value = hit.group(1).strip("\"'`").rstrip("?.,!")
            if value.lower() in ("the", "a", "an"):
                continue
            text.take(hit.start(), hit.end())
            c.filters.append(Filter(field="process_cmd", op="contains", value=value))
            if "process" not in c.classes:
                c.classes.append("process")
    if (m := text.first(_ENCODED)) is not None:
        text.take(m.start(), m.end())
        c.filters.append(Filter(field="process_cmd", op="contains", value="-enc"))
        if "process" not in c.classes:
            c.classes.append("process")


def _vocab_processes(text: Text, c: _Clause) -> None:
    for image, phrases in _phrases("processes").items():
        while (m := text.take_phrase(phrases)) is not None:
            c.processes.append((m.start(), image))
    for e in c.entities:
        if e.kind == "process":
            c.processes.append((e.start, e.value))
    c.processes.sort()


def _countries(text: Text, c: _Clause) -> None:
    for code, phrases in _phrases("countries").items():
        if (m := text.take_phrase(phrases)) is not None:
            # a country is where the actor came from: the store keeps source countries
            cue = re.search(r"\b(?:from|in|outside(?:\s+of)?|originating\s+(?:from|in))\s+$", text.lower[:m.start()])
            c.filters.append(Filter(field="src_country", op="in", value=[phrases[0].title(), code],
                                    negate=bool(cue and "outside" in cue.group(0))))


def _outcomes(text: Text, c: _Clause) -> None:
    for outcome, phrases in _phrases("outcomes").items():
        if text.take_phrase(phrases):
            c.filters.append(Filter(field="auth_outcome", value=outcome))


def _mfa(text: Text, c: _Clause) -> None:
    for pattern, value in ((_NO_MFA, False), (_WITH_MFA, True)):
        if (m := next(text.matches(pattern), None)) is not None:
            text.take(m.start(), m.end())
            c.filters.append(Filter(field="auth_mfa", value=value))


def _dns_shape(text: Text, c: _Clause) -> None:
    if (m := text.first(_ENTROPY)) is not None:
        text.take(m.start(), m.end())
        # no portable entropy function: a long letters-and-digits first label that contains a digit
        c.filters.append(Filter(field="dns_query", op="regex", value=r"^[a-z0-9]{16,}\."))
        c.filters.append(Filter(field="dns_query", op="regex", value=r"^[a-z]*[0-9]"))
        _add(c, "dns")
    if (m := text.first(_LONG)) is not None:
        text.take(m.start(), m.end())
        c.filters.append(Filter(field="dns_query", op="regex", value=r"^.{50,}$"))
        _add(c, "dns")


def _signed(text: Text, c: _Clause) -> None:
    if (m := text.first(_SIGNED)) is not None:
        text.take(m.start(), m.end())
        signed = m.group(1) == "signed"
        c.filters.append(Filter(field="fields.Signed", value="true" if signed else "false"))


def _entity_filters(text: Text, c: _Clause, known: Known, notes: list[str]) -> None:
    domain_field = _domain_field(c)
    for e in c.entities:
        before = text.before(e.start, 3)
        if e.kind == "domain":
            c.filters.append(Filter(field=domain_field, op="subdomain", value=e.value))
            if not known.domain_seen(e.value):
                near = known.close_domains(e.value)
                notes.append(f"no stored event names {e.value}" + (f"; similar names in the data: {', '.join(near)}"
                                                                    if near else ""))
        elif e.kind in ("ip", "cidr"):
            column = "src_ip" if any(w in ("from", "source", "src") for w in before[-2:]) else (
                "dst_ip" if c.contact or any(w in ("to", "destination", "dst", "remote") for w in before[-2:])
                else "ip")
            c.filters.append(Filter(field=column, op="cidr" if e.kind == "cidr" else "equals", value=e.value))
        elif e.kind == "port":
            column = "src_port" if "source" in before else "dst_port"
            ports = [int(p) for p in e.value.split(",")]
            c.filters.append(Filter(field=column, value=ports[0]) if len(ports) == 1
                             else Filter(field=column, op="in", value=ports))
        elif e.kind == "url":
            c.filters.append(Filter(field="http_url", op="contains", value=e.value))
        elif e.kind == "email":
            c.filters.append(Filter(field="user_any", value=e.value))
        elif e.kind == "hash":
            c.filters.append(Filter(field="hash", value=e.value))
        elif e.kind == "registry":
            c.filters.append(Filter(field="registry_key", op="contains", value=e.value))
            _add(c, "registry")
        elif e.kind == "path":
            c.filters.append(Filter(field="file_path", op="contains", value=e.value))
            _add(c, "file")
        elif e.kind == "quoted":
            c.filters.append(_quoted(c, e.value))
    _process_filters(text, c)
    if c.contact and not c.classes:
        c.classes.extend(CONTACT_CLASSES)
    elif c.contact and "dns" in c.classes and len(c.classes) == 1:
        c.classes[:] = CONTACT_CLASSES
    if not c.classes and any(e.kind == "domain" for e in c.entities):
        c.classes.extend(CONTACT_CLASSES)
    if not c.classes and any(f.field == "auth_outcome" or f.field == "auth_mfa" for f in c.filters):
        c.classes.append("authentication")
    if not c.classes and c.processes and not c.contact:
        c.classes.append("process")


def _domain_field(c: _Clause) -> str:
    if c.contact or not c.classes:
        return "domain"
    only = {"dns": "dns_query", "http": "http_host", "tls": "tls_sni"}
    return only[c.classes[0]] if len(c.classes) == 1 and c.classes[0] in only else "domain"


def _quoted(c: _Clause, value: str) -> Filter:
    if "registry" in c.classes:
        return Filter(field="registry_key", op="contains", value=value)
    if "file" in c.classes:
        return Filter(field="file_path", op="contains", value=value)
    if "dns" in c.classes and len(c.classes) == 1:
        return Filter(field="dns_query", op="contains", value=value)
    if "process" in c.classes or not c.classes:
        _add(c, "process")
        return Filter(field="process_cmd", op="contains", value=value)
    return Filter(field="raw", op="contains", value=value)


def _add(c: _Clause, cls: str) -> None:
    if cls not in c.classes:
        c.classes.append(cls)


def _process_filters(text: Text, c: _Clause) -> None:
    """Which named process is the parent and which the child ("winword spawning powershell")."""
    parents: list[str] = []
    children: list[str] = []
    for i, (pos, image) in enumerate(c.processes):
        before = text.before(pos, 2)
        between = text.lower[c.processes[i - 1][0]:pos] if i else ""
        parent_of = before[-2:] in (["parent", "of"], ["parents", "of"])  # "the parent of X": X is the child
        parent_cue = not parent_of and (bool(before) and before[-1] in ("parent", "under") or "parent" in before
                                        or "child of" in " ".join(before))
        by_cue = not parent_of and bool(before) and before[-1] in ("by", "from", "of")
        if by_cue and not parent_cue and {"file", "registry"} & set(c.classes) and "process" not in c.classes:
            # "registry changes by powershell.exe": the process that acted, not a parent
            children.append(image)
        elif parent_cue or by_cue:
            parents.append(image)
        elif i and _CHILD_VERBS.search(between) and not re.search(r"\bby\b", between):
            if c.processes[i - 1][1] in children:
                children.remove(c.processes[i - 1][1])
                parents.append(c.processes[i - 1][1])
            children.append(image)
        else:
            children.append(image)
    for column, images in (("process_name", children), ("parent_name", parents)):
        if len(images) == 1:
            c.filters.append(Filter(field=column, value=images[0]))
        elif images:
            c.filters.append(Filter(field=column, op="in", value=images))
    if parents and not c.contact:
        _add(c, "process")


# -- the whole question ----------------------------------------------------------------------

_WHO = re.compile(r"^\s*(?:who|whom)\b|\bby\s+whom\b")
_WHERE_FROM = re.compile(r"\bfrom\s+where\b|\bwhere\b.*\bfrom\b")
_WHERE = re.compile(r"\bwhere\b")
_PREPOSITIONS = {"by", "for", "of", "from", "to", "on", "with", "against", "as"}


def _returns(text: Text) -> str:
    found: tuple[int, int, str] | None = None
    for kind, phrases in _phrases("returns").items():
        for phrase in phrases:
            for hit in text.matches(phrase_pattern(phrase)):
                # "logons by admin users": the object of a preposition is a condition, not the subject
                if set(text.before(hit.start(), 2, free_only=True)) & _PREPOSITIONS:
                    continue
                if found is None or hit.start() < found[0] or (hit.start() == found[0] and hit.end() > found[1]):
                    found = (hit.start(), hit.end(), kind)
                break
    if found is not None:
        text.take(found[0], found[1])
        return found[2]
    if (m := text.first(_WHO)) is not None:
        text.take(m.start(), m.end())
        return "users"
    if _WHERE_FROM.search(text.lower) and (m := text.first(_WHERE)) is not None:
        text.take(m.start(), m.end())
        return "src_ips"
    return "events"


def _finish_enrichments(st: _State, clauses: list[_Clause], returns: str) -> None:
    """Point entity-less enrichments (rare, first seen) at what the question is about."""
    first = clauses[0]
    by_returns = {"domains": "domain", "processes": "process", "ips": "ip", "countries": "country",
                  "ports": "port", "actions": "action", "user_agents": "user_agent"}
    default = by_returns.get(returns) or (
        "process" if "process" in first.classes else
        "domain" if set(first.classes) & set(CONTACT_CLASSES) else None)
    for i, e in enumerate(st.enrich):
        if e.kind in ("rare", "first_seen") and e.entity is None:
            update: dict[str, Any] = {"entity": default or "domain"}
            if default == "action":
                update["scope"] = "user"  # cloud actions are done by principals, not hosts
            st.enrich[i] = e.model_copy(update=update)
            if default is None:
                st.notes.append(f"'{e.kind.replace('_', ' ')}' read as applying to domains")
            if default in ("domain", None) and not first.classes:
                first.classes.extend(CONTACT_CLASSES)
            if default == "process" and not first.classes:
                first.classes.append("process")
        if e.kind == "registered" and not first.classes:
            first.classes.extend(CONTACT_CLASSES)
        # "privileged users", "members of Domain Admins" with nothing else: their sign-ins
        if e.kind == "identity" and not (first.classes or first.contact or first.filters) \
                and returns in ("users", "events", "count"):
            first.classes.append("authentication")


_IMPLIED_CLASSES = {"domains": CONTACT_CLASSES, "processes": ["process"], "actions": ["api"], "user_agents": ["http"],
                    "resources": ["api"], "ports": ["network"], "bytes": ["network"]}


def _build(st: _State, clauses: list[_Clause], returns: str, shape: _Shape, time: Any,
           within: int | None) -> HuntQuery:
    aggregate = "sum_bytes" if shape.bytes else None
    if shape.per:
        returns = shape.per
    elif shape.count:
        if returns in ("events",):
            returns = "count"
        elif returns != "count":
            aggregate = "distinct_count"
    if shape.bytes and returns in ("events", "count"):
        returns = "hosts"
    fields: dict[str, Any] = {"returns": returns, "sources": st.sources, "enrich": st.enrich, "time": time}
    if shape.limit:
        fields["limit"] = shape.limit
    if shape.order and returns not in ("count",) and aggregate != "distinct_count":
        fields["order"] = shape.order if returns != "events" or shape.order.startswith("time") else None
    if aggregate:
        fields["aggregate"] = aggregate
    if shape.spread is not None and returns not in ("events", "count"):
        fields["spread"] = shape.spread
    if returns == "events" and st.enrich and not any(c.filters for c in clauses) \
            and all(e.entity == "domain" and e.kind in ("registered", "first_seen") for e in st.enrich):
        fields["returns"] = "domains"  # "newly registered domains": the domains themselves
    steps = [c for c in clauses if c.classes or c.filters]
    if len(steps) >= 2:
        by: Scope = "user" if returns == "users" else "host"
        fields["returns"] = "users" if by == "user" else "hosts"
        fields["sequence"] = Sequence(steps=[Step(classes=c.classes, filters=c.filters) for c in steps],
                                      within_minutes=within or 10, by=by)
        return HuntQuery(**{k: v for k, v in fields.items() if v is not None})
    only = steps[0] if steps else _Clause()
    if not only.classes:
        implied = "bytes" if aggregate == "sum_bytes" else fields["returns"]
        only.classes = list(_IMPLIED_CLASSES.get(implied, []))
    fields["classes"] = only.classes
    fields["filters"] = only.filters
    return HuntQuery(**{k: v for k, v in fields.items() if v is not None})


def _leftover(text: Text) -> list[str]:
    stop = set(vocabulary()["stopwords"])
    return [w for w in text.leftover() if w.lower().strip(".-") not in stop and w.strip(".-")]
