"""Parsed plain queries -> term specs for the in-memory scorer, with typo fixes and
completions from the index's vocabulary (``search.engine.matching`` scores them)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from search import languages, schema
from search.query.analysis import analyze, max_typos, spell_words, stem_of, stems_of
from search.query.plain import FIELD_ALIASES, ParsedQuery, Unit

#: Boost factor of a typo correction relative to the word as typed.
FUZZY_FACTOR = 0.25
#: Boost factor of an editors' synonym relative to the words as typed.
SYNONYM_FACTOR = 0.5
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
    """One typed word: index terms (the word, typo fixes, completions) -> factor.

    ``stop_in`` names the languages searched in which the word is a stop word:
    their documents need not contain it (it is not indexed there).
    """

    fields: Fields
    alts: tuple[tuple[str, float], ...]
    stop_in: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PhraseSpec:
    """An exact phrase: its terms, in order."""

    fields: Fields
    stems: tuple[str, ...]


#: A unit: all of its parts are required (a literal like ``e-mail`` has two words).
UnitSpec = tuple[WordSpec | PhraseSpec, ...]
#: A unit with its boost factor (1.0 as typed, ``SYNONYM_FACTOR`` for a synonym).
Weighted = tuple[UnitSpec, float]
#: Editors' synonyms: words as typed (spell words) -> the word sequences added.
Synonyms = dict[tuple[str, ...], tuple[tuple[str, ...], ...]]


@dataclass(slots=True)
class BuiltQuery:
    """A plain query as term specs, clause by clause, for the in-memory scorer."""

    #: (label shown in dropped_terms, weighted units OR-ed) of each required
    #: clause.
    specs: list[tuple[str, list[Weighted]]] = field(default_factory=list)
    excluded_specs: list[UnitSpec] = field(default_factory=list)
    #: Ranked-field terms worth highlighting (stems, including expansions).
    highlight: set[str] = field(default_factory=set)
    #: Stems of the plain words (in order) by language, for the proximity boost.
    word_stems: dict[str, list[str]] = field(default_factory=dict)
    #: The languages whose analyses of the words are searched.
    langs: tuple[str, ...] = (languages.DEFAULT_LANGUAGE,)
    #: Synonyms added: the words as typed -> what was added (``query.expanded``).
    expanded: dict[str, list[str]] = field(default_factory=dict)
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


def _unit_specs(
    unit: Unit,
    vocab: Vocabulary | None,
    is_prefix: bool,
    built: BuiltQuery,
    verbose: bool = False,
) -> list[UnitSpec]:
    """The unit's alternatives: one for words (each word's terms in every
    language), one per language's distinct analysis for an exact phrase."""
    pairs = tuple(_fields_of(unit).items())
    if unit.phrase:
        return _phrase_specs(unit.text, pairs, built)
    words = spell_words(unit.text)
    specs: list[WordSpec | PhraseSpec] = []
    for i, word in enumerate(words):
        if verbose and unit.field is None and word in VERBOSE_STOP_WORDS:
            continue
        last = is_prefix and i == len(words) - 1
        stems, stop_in = stems_of(word, built.langs)
        if not stems:
            continue  # a stop word in every language searched
        alts = _word_alternatives(word, stems, last, vocab, built)
        built.highlight.update(alts)
        specs.append(WordSpec(pairs, tuple(alts.items()), stop_in))
    return [tuple(specs)] if specs else []


def _phrase_specs(text: str, pairs: Fields, built: BuiltQuery) -> list[UnitSpec]:
    """An exact phrase as each language analyses it (distinct analyses only)."""
    out: list[UnitSpec] = []
    seen: set[tuple[str, ...]] = set()
    for lang in built.langs:
        stems = tuple(analyze(text, lang))
        if not stems or stems in seen:
            continue
        seen.add(stems)
        built.highlight.update(stems)
        if len(stems) == 1:
            out.append((WordSpec(pairs, ((stems[0], 1.0),)),))
        else:
            out.append((PhraseSpec(pairs, stems),))
    return out


def _word_alternatives(
    word: str,
    stems: list[str],
    last: bool,
    vocab: Vocabulary | None,
    built: BuiltQuery,
) -> dict[str, float]:
    """Index terms for one typed word -> boost: ``stems`` (the word in each
    language), its typo fixes and completions."""
    langs = built.langs
    alts = dict.fromkeys(stems, 1.0)
    for lang in langs:
        stem = stem_of(word, lang)
        if stem:
            built.word_stems.setdefault(lang, []).append(stem)
    if vocab is None:
        return alts
    typos = max_typos(word)
    if typos and vocab.spell_df(word) < FUZZY_DF_THRESHOLD and _may_fuzz(word, built):
        for fix, _ in vocab.fuzzy(word, typos, FUZZY_EXPANSIONS):
            for lang in langs:
                alts.setdefault(stem_of(fix, lang), FUZZY_FACTOR)
    if last and len(word) >= PREFIX_MIN_CHARS:
        for comp, _ in vocab.completions(word, PREFIX_EXPANSIONS):
            for lang in langs:
                alts.setdefault(stem_of(comp, lang), PREFIX_FACTOR)
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
    parsed: ParsedQuery,
    vocab: Vocabulary | None,
    deadline: float | None = None,
    *,
    langs: tuple[str, ...] = (languages.DEFAULT_LANGUAGE,),
    synonyms: Synonyms | None = None,
) -> BuiltQuery:
    """Term specs for the clauses of a plain query.

    Args:
        parsed: From ``parse_plain``.
        vocab: The index's vocabulary for typo corrections and completions (None:
            exact words only).
        deadline: ``time.perf_counter()`` after which no more words are looked up
            for typo corrections (``capped`` is then set).
        langs: The languages whose analyses are searched. A word stopped by
            every one of them is dropped; one stopped by some is searched, and
            their documents are exempt from it (``WordSpec.stop_in``).
        synonyms: The editors' synonyms (words as typed -> words added).

    Returns:
        The built query; ``specs`` is empty when only stop words were typed,
        and ``match_all`` is set when nothing to search was typed at all.
    """
    built = BuiltQuery(
        parsed=parsed.show(),
        match_all=not parsed.clauses,
        deadline=deadline,
        langs=langs or (languages.DEFAULT_LANGUAGE,),
    )
    n = len(parsed.clauses)
    plain_words = sum(
        len(spell_words(u.text)) for c in parsed.clauses for u in c if not u.phrase
    )
    verbose = plain_words >= VERBOSE_MIN_WORDS
    built.verbose = verbose
    made: list[tuple[str, list[Weighted]]] = []
    for ci, clause in enumerate(parsed.clauses):
        unit_specs: list[Weighted] = []
        for ui, unit in enumerate(clause):
            is_prefix = parsed.prefix_last and ci == n - 1 and ui == len(clause) - 1
            for spec in _unit_specs(unit, vocab, is_prefix, built, verbose):
                unit_specs.append((spec, 1.0))
        made.append((" OR ".join(u.text for u in clause), unit_specs))
    if synonyms:
        made = _with_synonyms(parsed, made, synonyms, built)
    built.specs = [(label, units) for label, units in made if units]
    for unit in parsed.excluded:
        probe = BuiltQuery(langs=built.langs)
        for spec in _unit_specs(unit, None, False, probe):
            built.excluded_specs.append(spec)
    return built


def _synonym_words(clause: list[Unit]) -> tuple[str, ...]:
    """The words of a clause a synonym may replace: one unquoted unit in no
    field (else none: a quoted phrase is meant exactly)."""
    if len(clause) != 1 or clause[0].phrase or clause[0].field is not None:
        return ()
    return tuple(spell_words(clause[0].text))


def _with_synonyms(
    parsed: ParsedQuery,
    made: list[tuple[str, list[Weighted]]],
    synonyms: Synonyms,
    built: BuiltQuery,
) -> list[tuple[str, list[Weighted]]]:
    """Clauses whose words are a synonym's key, merged into one clause that also
    accepts what the key stands for (longest key first, left to right)."""
    longest = max(len(k) for k in synonyms)
    words = [_synonym_words(c) for c in parsed.clauses]
    out: list[tuple[str, list[Weighted]]] = []
    i = 0
    while i < len(made):
        hit = None
        for j in range(min(len(made), i + longest), i, -1):
            if not all(words[i:j]):
                continue
            key = tuple(w for ws in words[i:j] for w in ws)
            if key in synonyms:
                hit = j, key
                break
        if hit is None:
            out.append(made[i])
            i += 1
            continue
        j, key = hit
        parts = tuple(p for k in range(i, j) for spec, _ in made[k][1] for p in spec)
        units: list[Weighted] = [(parts, 1.0)] if parts else []
        added: list[str] = []
        fields = tuple(schema.SEARCH_FIELDS.items())
        for value in synonyms[key]:
            specs = _synonym_specs(value, fields, built)
            if specs:
                units.extend((spec, SYNONYM_FACTOR) for spec in specs)
                added.append(" ".join(value))
        label = " ".join(made[k][0] for k in range(i, j))
        if added:
            built.expanded[" ".join(key)] = added
        out.append((label, units))
        i = j
    return out


def _synonym_specs(
    value: tuple[str, ...], fields: Fields, built: BuiltQuery
) -> list[UnitSpec]:
    """What a synonym adds: its word, or its words as an exact phrase."""
    if len(value) == 1:
        stems, stop_in = stems_of(value[0], built.langs)
        if not stems:
            return []
        built.highlight.update(stems)
        return [(WordSpec(fields, tuple((s, 1.0) for s in stems), stop_in),)]
    return _phrase_specs(" ".join(value), fields, built)
