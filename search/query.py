"""A reader's words -> Whoosh queries.

Plain mode (the default) accepts any text: words, ``"exact phrases"``, ``-excluded``
words, ``OR`` between words, and the fields ``title:``, ``author:`` and ``tag:``;
everything else is taken literally. ``parse_plain`` turns the text into clauses and
``build_plain`` turns the clauses into term specs (scored in memory by
``search.evaluate``), expanding words with typo
corrections and the last word with its completions (search as you type) from the
vocabulary of the unstemmed ``spell`` field.

Raw mode (``parse_raw``) hands the text to Whoosh's own query language and turns its
syntax errors into ``QueryError`` with the position.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from whoosh import query as wq
from whoosh.qparser import MultifieldParser
from whoosh.qparser.common import QueryParserError

from search import schema
from search.errors import QueryError

#: Field prefixes a reader may type in plain mode -> the index fields searched.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": (schema.TITLE,),
    "author": (schema.AUTHORS,),
    "authors": (schema.AUTHORS,),
    "by": (schema.AUTHORS,),
    "tag": (schema.TAGS,),
    "tags": (schema.TAGS,),
}
#: Fields an exact phrase is looked for in (all searched fields keep positions).
PHRASE_FIELDS: tuple[str, ...] = tuple(schema.SEARCH_FIELDS)
#: Boost factor of a typo correction relative to the word as typed.
FUZZY_FACTOR = 0.25
#: Boost factor of a completion of the last word relative to the word itself.
PREFIX_FACTOR = 0.5
#: Most completions of the last word that are searched.
PREFIX_EXPANSIONS = 8
#: Shortest last word completed as a prefix.
PREFIX_MIN_CHARS = 2
#: Most typo corrections searched per word.
FUZZY_EXPANSIONS = 4
#: A word known to fewer documents than this is also searched with typo corrections.
FUZZY_DF_THRESHOLD = 2
#: Most distinct words of one query that are searched with typo corrections (the
#: rest are searched as typed, and the result is flagged partial): a pasted
#: paragraph of unknown words must not cost a vocabulary walk per word.
FUZZY_MAX_WORDS = 10

#: Function words dropped from long, natural-language queries (questions), where
#: they carry no topic; the index analyser already drops the shortest of them.
#: Short queries keep them, so "what works" still searches both words.
VERBOSE_STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing done
    down during each either else ever every few for from further get gets got had
    has have having he her here hers herself him himself his how however i if in
    into is it its itself just let may me might more most must my myself neither
    no nor not now of off on once only or other ought our ours ourselves out over
    own per same shall she should so some such than that the their theirs them
    themselves then there these they this those through thus to too under until up
    upon us very was we were what whatever when where whether which while who whom
    whose why will with within without would yet you your yours yourself
    yourselves
    """.split()
)
#: A query with at least this many words is treated as a natural-language question.
VERBOSE_MIN_WORDS = 5

_TOKEN_RE = re.compile(schema.TOKEN_PATTERN)
_PLAIN_RE = re.compile(
    r"""
    (?P<neg>-)?
    (?:(?P<field>[A-Za-z]+):)?
    (?:
        "(?P<phrase>[^"]*)(?:"|$)
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)


def max_typos(word: str) -> int:
    """Typos tolerated in a word: 1 from 5 letters, 2 from 9."""
    n = len(word)
    if n >= 9:
        return 2
    if n >= 5:
        return 1
    return 0


# --- analysis ----------------------------------------------------------------------
_TEXT_ANALYZER = schema.text_analyzer()
_SPELL_ANALYZER = schema.spell_analyzer()


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` in the ranked fields (folded, no stop words, stems)."""
    return [t.text for t in _TEXT_ANALYZER(text)]


def spell_words(text: str) -> list[str]:
    """Terms of ``text`` in the ``spell`` field (lowercased, accent-folded)."""
    return [t.text for t in _SPELL_ANALYZER(text)]


@lru_cache(maxsize=200_000)
def stem_of(word: str) -> str:
    """The ranked-field term of one word ('' for a stop word)."""
    terms = analyze(word)
    return terms[0] if terms else ""


# --- plain syntax ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Unit:
    """One thing a reader typed: a word or a quoted phrase, maybe in one field."""

    text: str
    phrase: bool = False
    field: str | None = None  # key of FIELD_ALIASES

    def show(self) -> str:
        """The unit written back in plain syntax."""
        body = f'"{self.text}"' if self.phrase else self.text
        return f"{self.field}:{body}" if self.field else body


@dataclass(slots=True)
class ParsedQuery:
    """Clauses of a plain query: each clause is units OR-ed together."""

    clauses: list[list[Unit]] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)
    #: The last word is still being typed (no space or punctuation after it).
    prefix_last: bool = False

    def show(self) -> str:
        """The query written back in plain syntax (the response's ``parsed``)."""
        parts = [" OR ".join(u.show() for u in c) for c in self.clauses]
        parts += ["-" + u.show() for u in self.excluded]
        return " ".join(parts)


def parse_plain(text: str) -> ParsedQuery:
    """Split a reader's text into clauses. Never raises.

    ``OR`` (upper case, between two units) joins them into one clause; every other
    clause is required. A leading ``-`` excludes a unit. A field prefix that is not
    ``title``, ``author`` or ``tag`` is kept as part of the word; a known field
    prefix with nothing after it (``tag:`` while typing) is ignored.

    Args:
        text: Anything.

    Returns:
        The parsed query.
    """
    parsed = ParsedQuery()
    pending_or = False
    for m in _PLAIN_RE.finditer(text):
        neg = bool(m.group("neg"))
        fname = m.group("field")
        phrase = m.group("phrase")
        word = m.group("word")
        if word is not None and fname is None and _is_bare_field(word):
            continue  # "tag:" with nothing after it yet: nothing to search
        if fname is not None and fname.lower() not in FIELD_ALIASES:
            # not a field we know: keep the whole thing as literal text
            raw = m.group(0)[1:] if neg else m.group(0)
            phrase, word, fname = None, raw.replace('"', " "), None
        key = fname.lower() if fname else None
        if phrase is not None:
            if not _TOKEN_RE.search(phrase):
                continue
            unit = Unit(" ".join(phrase.split()), phrase=True, field=key)
        else:
            assert word is not None
            if word == "OR" and not neg and key is None:
                pending_or = bool(parsed.clauses)
                continue
            if not _TOKEN_RE.search(word):
                continue
            unit = Unit(word, field=key)
        if neg:
            parsed.excluded.append(unit)
            pending_or = False
            continue
        if pending_or and parsed.clauses:
            parsed.clauses[-1].append(unit)
        else:
            parsed.clauses.append([unit])
        pending_or = False
    stripped = text.rstrip()
    if parsed.clauses and stripped == text and text and _TOKEN_RE.match(text[-1]):
        last = parsed.clauses[-1][-1]
        parsed.prefix_last = not last.phrase and text.endswith(last.text)
    return parsed


def _is_bare_field(word: str) -> bool:
    """Whether ``word`` is a known field prefix with nothing after it (``tag:``)."""
    return word.endswith(":") and word[:-1].lower() in FIELD_ALIASES


# --- building Whoosh queries -------------------------------------------------------
class Vocabulary(Protocol):
    """What query building needs to know about the index's words."""

    def spell_df(self, word: str) -> int:
        """Documents containing ``word`` (unstemmed) anywhere."""

    def fuzzy(self, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]:
        """Known words within ``maxdist`` edits of ``word``: (word, df), best first."""

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Known words starting with ``prefix``: (word, df), most frequent first."""


Fields = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class WordSpec:
    """One typed word: index terms (the word, typo fixes, completions) -> factor."""

    fields: Fields
    alts: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class PhraseSpec:
    """An exact phrase: its terms, in order."""

    fields: Fields
    stems: tuple[str, ...]


#: A unit: all of its parts are required (a literal like ``e-mail`` has two words).
UnitSpec = tuple[WordSpec | PhraseSpec, ...]


@dataclass(slots=True)
class BuiltQuery:
    """A plain query as term specs, clause by clause, for the in-memory scorer."""

    #: (label shown in dropped_terms, units OR-ed) of each required clause.
    specs: list[tuple[str, list[UnitSpec]]] = field(default_factory=list)
    excluded_specs: list[UnitSpec] = field(default_factory=list)
    #: Ranked-field terms worth highlighting (stems, including expansions).
    highlight: set[str] = field(default_factory=set)
    #: Stems of the plain words (in order), used for the proximity boost.
    word_stems: list[str] = field(default_factory=list)
    parsed: str = ""
    #: A long natural-language query: words are ranked, not all required.
    verbose: bool = False
    #: Nothing to search was typed (``*``, ``-gas``, ``tag:``): every document
    #: matches, less the excluded ones.
    match_all: bool = False
    #: Some words were not searched with typo corrections (more than
    #: ``FUZZY_MAX_WORDS`` of them, or the deadline passed).
    capped: bool = False
    #: Deadline (``time.perf_counter()``) for typo corrections (None: none).
    deadline: float | None = None
    #: Words looked up for typo corrections so far.
    fuzzy_words: set[str] = field(default_factory=set)


def _fields_of(unit: Unit) -> dict[str, float]:
    if unit.field is None:
        return dict(schema.SEARCH_FIELDS)
    return {f: schema.SEARCH_FIELDS.get(f, 1.0) for f in FIELD_ALIASES[unit.field]}


def _unit_spec(
    unit: Unit,
    vocab: Vocabulary | None,
    is_prefix: bool,
    built: BuiltQuery,
    verbose: bool = False,
) -> UnitSpec | None:
    pairs = tuple(_fields_of(unit).items())
    if unit.phrase:
        stems = analyze(unit.text)
        if not stems:
            return None
        built.highlight.update(stems)
        if len(stems) == 1:
            return (WordSpec(pairs, ((stems[0], 1.0),)),)
        return (PhraseSpec(pairs, tuple(stems)),)
    words = spell_words(unit.text)
    specs: list[WordSpec | PhraseSpec] = []
    for i, word in enumerate(words):
        if verbose and unit.field is None and word in VERBOSE_STOP_WORDS:
            continue
        last = is_prefix and i == len(words) - 1
        alts = _word_alternatives(word, last, vocab, built)
        if alts:  # else a stop word
            built.highlight.update(alts)
            specs.append(WordSpec(pairs, tuple(alts.items())))
    return tuple(specs) or None


def _word_alternatives(
    word: str, last: bool, vocab: Vocabulary | None, built: BuiltQuery
) -> dict[str, float]:
    """Index terms for one typed word -> boost: the word, typo fixes, completions."""
    alts: dict[str, float] = {}
    stem = stem_of(word)
    if stem:
        alts[stem] = 1.0
        built.word_stems.append(stem)
    if vocab is None:
        return alts
    typos = max_typos(word)
    if typos and vocab.spell_df(word) < FUZZY_DF_THRESHOLD and _may_fuzz(word, built):
        for fix, _ in vocab.fuzzy(word, typos, FUZZY_EXPANSIONS):
            alts.setdefault(stem_of(fix), FUZZY_FACTOR)
    if last and len(word) >= PREFIX_MIN_CHARS:
        for comp, _ in vocab.completions(word, PREFIX_EXPANSIONS):
            alts.setdefault(stem_of(comp), PREFIX_FACTOR)
    alts.pop("", None)
    return alts


def _may_fuzz(word: str, built: BuiltQuery) -> bool:
    """Whether ``word`` may still be looked up for typo corrections (else the
    query is flagged ``capped``)."""
    if word in built.fuzzy_words:
        return True
    if len(built.fuzzy_words) >= FUZZY_MAX_WORDS or (
        built.deadline is not None and time.perf_counter() > built.deadline
    ):
        built.capped = True
        return False
    built.fuzzy_words.add(word)
    return True


def build_plain(
    parsed: ParsedQuery, vocab: Vocabulary | None, deadline: float | None = None
) -> BuiltQuery:
    """Term specs for the clauses of a plain query.

    Args:
        parsed: From ``parse_plain``.
        vocab: The index's vocabulary for typo corrections and completions (None:
            exact words only).
        deadline: ``time.perf_counter()`` after which no more words are looked up
            for typo corrections (``capped`` is then set).

    Returns:
        The built query; ``specs`` is empty when only stop words were typed,
        and ``match_all`` is set when nothing to search was typed at all.
    """
    built = BuiltQuery(
        parsed=parsed.show(), match_all=not parsed.clauses, deadline=deadline
    )
    n = len(parsed.clauses)
    plain_words = sum(
        len(spell_words(u.text)) for c in parsed.clauses for u in c if not u.phrase
    )
    verbose = plain_words >= VERBOSE_MIN_WORDS
    built.verbose = verbose
    for ci, clause in enumerate(parsed.clauses):
        unit_specs: list[UnitSpec] = []
        for ui, unit in enumerate(clause):
            is_prefix = parsed.prefix_last and ci == n - 1 and ui == len(clause) - 1
            made = _unit_spec(unit, vocab, is_prefix, built, verbose)
            if made is not None:
                unit_specs.append(made)
        if unit_specs:
            built.specs.append((" OR ".join(u.text for u in clause), unit_specs))
    for unit in parsed.excluded:
        made = _unit_spec(unit, None, False, BuiltQuery())
        if made is not None:
            built.excluded_specs.append(made)
    return built


# --- raw mode ----------------------------------------------------------------------
def _walk(q: Any) -> Iterable[Any]:
    yield q
    if hasattr(q, "children"):
        for child in q.children():
            yield from _walk(child)


def parse_raw(text: str, whoosh_schema: Any) -> Any:
    """Parse Whoosh's query language over the search fields.

    Args:
        text: The query.
        whoosh_schema: The index's schema.

    Returns:
        The Whoosh query (``None`` for an empty query).

    Raises:
        QueryError: A syntax error, with ``position`` when known.
    """
    if not text.strip():
        return None
    parser = MultifieldParser(
        list(schema.SEARCH_FIELDS), whoosh_schema, fieldboosts=schema.SEARCH_FIELDS
    )
    try:
        q = parser.parse(text)
    except (QueryParserError, ValueError, TypeError, OverflowError) as exc:
        # Whoosh reports some errors by raising while converting a term (dates)
        raise QueryError(f"query syntax error: {exc}", param="q") from exc
    for node in _walk(q):
        error = getattr(node, "error", None)
        if error:
            pos = getattr(node, "startchar", None)
            where = f" at position {pos}" if pos is not None else ""
            raise QueryError(
                f"query syntax error{where}: {error}", param="q", position=pos
            )
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return None
    return q


def query_terms(q: Any) -> set[str]:
    """Text terms of the searched fields in a Whoosh query (for highlighting)."""
    out: set[str] = set()
    try:
        for fname, text in q.iter_all_terms():
            if fname in schema.SEARCH_FIELDS and isinstance(text, str):
                out.add(text)
    except (TypeError, AttributeError):
        pass
    return out
