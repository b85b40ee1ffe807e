"""Turning text into index terms: the same analysis for ATT&CK's prose and for the text mapped.

Words are split on anything that is not a letter or digit and on camelCase boundaries
(``CreateRemoteThread`` gives ``create``, ``remote``, ``thread`` and the whole word), lower-cased,
stemmed with the Snowball English stemmer and filtered against a stop list of English
function words and the boilerplate of detection and ATT&CK prose ("adversaries may").
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STEMMER = snowballstemmer.stemmer("english")

# Function words plus words every technique, rule and hunt uses, so they carry no signal.
STOPWORDS = frozenset("""
a about above after again against all also an and any are as at be because been before being below
between both but by can could did do does doing down during each either etc few for from further had
has have having here how i if in into is it its itself just may might more most much must no nor not
of off often on once only or other others our out over own same should so some such than that the
their them then there these they this those through to too under until up upon us very via was we
were what when where which while who whom why will with within without would you your e g eg ie
adversary adversaries attacker attackers threat actor actors malicious suspicious potentially potential
detect detects detected detection detecting identify identifies identified analytic analytics rule
rules hunt hunting query search following leverages leverage indicate indicates indicative activity
behavior behaviour technique techniques use uses used using usage could instance instances event events
log logs data one two new based like example examples include includes including various several
specific certain common commonly typically generally significant significantly order well
""".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case word (cached: vocabularies repeat)."""
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-case words of ``text``, with camelCase compounds split and kept whole."""
    out: list[str] = []
    for token in _WORD.findall(text):
        parts = _CAMEL.findall(token) if not token.islower() and not token.isupper() else [token]
        if len(parts) > 1:
            out.extend(p.lower() for p in parts)
        out.append(token.lower())
    return out


def terms(text: str) -> list[str]:
    """Index terms of ``text``: stems of its words minus stop words and one-letter tokens."""
    return [stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS]
