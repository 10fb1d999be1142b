"""Plain and raw query parsing, including hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.errors import QueryError
from search.query.analysis import analyze, max_typos, spell_words
from search.query.build import PhraseSpec, build_plain
from search.query.plain import Unit, parse_plain
from search.query.raw import parse_raw
from search.schema import ArticleSchema


@pytest.mark.parametrize(
    ("text", "clauses", "excluded"),
    [
        ("energy policy", [["energy"], ["policy"]], []),
        ('"energy policy" turkey', [['"energy policy"'], ["turkey"]], []),
        ("energy -nuclear", [["energy"]], ["nuclear"]),
        ("inflation OR deflation banks", [["inflation", "deflation"], ["banks"]], []),
        ("title:energy author:smith", [["title:energy"], ["author:smith"]], []),
        ("TAG:Climate", [["tag:Climate"]], []),
        ("foo:bar", [["foo:bar"]], []),
        ('unclosed "phrase here', [["unclosed"], ['"phrase here"']], []),
        ("OR energy OR", [["energy"]], []),
        ("or energy", [["or"], ["energy"]], []),
    ],
    ids=[
        "words",
        "phrase",
        "exclude",
        "or",
        "fields",
        "field-case",
        "unknown-field-literal",
        "unclosed-quote",
        "dangling-or",
        "lowercase-or-is-a-word",
    ],
)
def test_parse_plain_clauses(
    text: str, clauses: list[list[str]], excluded: list[str]
) -> None:
    parsed = parse_plain(text)
    assert [[u.show() for u in c] for c in parsed.clauses] == clauses
    assert [u.show() for u in parsed.excluded] == excluded


@pytest.mark.parametrize(
    "text",
    [
        "",
        '"',
        '""',
        "-",
        ":::",
        "title:",
        "((((",
        "a" * 1000,
        "*?~^[]{}",
        "\x00\x01 energy",
        "NOT AND OR",
        "énergie d'État",
        "🙂 emoji",
    ],
    ids=[
        "empty",
        "quote",
        "empty-phrase",
        "dash",
        "colons",
        "empty-field",
        "parens",
        "long",
        "syntax-chars",
        "control-chars",
        "operators",
        "accents",
        "emoji",
    ],
)
def test_parse_plain_never_raises(text: str) -> None:
    built = build_plain(parse_plain(text), None)
    assert isinstance(built.parsed, str)


def test_prefix_only_when_still_typing() -> None:
    assert parse_plain("energy pol").prefix_last
    assert not parse_plain("energy pol ").prefix_last
    assert not parse_plain('"energy pol"').prefix_last
    assert not parse_plain("energy pol.").prefix_last


def test_analysis_folds_accents_and_stems() -> None:
    assert analyze("Erdoğan relations") == ["erdogan", "relat"]
    assert analyze("relation") == ["relat"]
    assert spell_words("Erdoğan Relations") == ["erdogan", "relations"]


@pytest.mark.parametrize(
    ("word", "typos"),
    [("tax", 0), ("bank", 0), ("banks", 1), ("inflation", 2), ("policies", 1)],
)
def test_typo_budget(word: str, typos: int) -> None:
    assert max_typos(word) == typos


def test_stop_words_only_builds_nothing() -> None:
    built = build_plain(parse_plain("the of and"), None)
    assert built.specs == []
    assert built.excluded_specs == []


def test_long_questions_drop_function_words() -> None:
    built = build_plain(
        parse_plain("what are the effects of inflation on wages in europe"), None
    )
    assert built.verbose
    assert [label for label, _ in built.specs] == [
        "effects",
        "inflation",
        "wages",
        "europe",
    ]


def test_short_query_keeps_question_words() -> None:
    built = build_plain(parse_plain("what works"), None)
    assert not built.verbose
    assert [label for label, _ in built.specs] == ["what", "works"]


def test_field_unit_searches_only_that_field() -> None:
    built = build_plain(parse_plain("title:energy"), None)
    ((_, [((word,), factor)]),) = built.specs
    assert factor == 1.0
    assert {f for f, _ in word.fields} == {"title"}


def test_phrase_becomes_phrase_spec() -> None:
    built = build_plain(parse_plain('"energy policy"'), None)
    ((_, [((phrase,), _)]),) = built.specs
    assert isinstance(phrase, PhraseSpec)
    assert phrase.stems == ("energi", "polici")


def test_unit_show_roundtrip() -> None:
    assert Unit("a b", phrase=True, field="title").show() == 'title:"a b"'


def test_raw_parses_whoosh_syntax() -> None:
    q = parse_raw("title:energy AND NOT nuclear", ArticleSchema())
    assert "energi" in str(q)


@pytest.mark.parametrize(
    "text",
    ["published:[2020 to", "published:[notadate TO 2020]", "published:yesterdayish"],
    ids=["open-range", "bad-date", "bad-date-term"],
)
def test_raw_syntax_errors_are_query_errors(text: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_raw(text, ArticleSchema())
    assert info.value.param == "q"


def test_raw_error_has_position() -> None:
    with pytest.raises(QueryError) as info:
        parse_raw("energy published:yesterdayish", ArticleSchema())
    assert info.value.position == 17


def test_raw_unclosed_paren_is_lenient() -> None:
    assert "energi" in str(parse_raw("title:(energy", ArticleSchema()))


def test_raw_empty_is_none() -> None:
    assert parse_raw("   ", ArticleSchema()) is None


def test_bare_field_prefix_is_not_a_word() -> None:
    assert parse_plain("tag:").clauses == []
    assert parse_plain("title:").clauses == []
    assert [[u.show() for u in c] for c in parse_plain("energy tag:").clauses] == [
        ["energy"]
    ]
    # an unknown prefix stays literal text
    assert [[u.show() for u in c] for c in parse_plain("foo:").clauses] == [["foo:"]]


@pytest.mark.parametrize("q", ["*", "-gas", "tag:", "-tag:energy"])
def test_match_all_when_nothing_is_searched(q: str) -> None:
    assert build_plain(parse_plain(q), None).match_all


def test_stop_words_only_is_not_match_all() -> None:
    built = build_plain(parse_plain("the of"), None)
    assert not built.match_all
    assert built.specs == []


def test_transpositions() -> None:
    from search.query.vocab import transpositions

    assert "energy" in transpositions("enegry")
    assert "grain" in transpositions("grian")
    assert "aab" not in transpositions("aab")  # swapping equal letters changes nothing


def test_fuzzy_rules_of_the_vocabulary(examples_index: Path) -> None:
    from whoosh import index

    from search.query.vocab import SpellVocab

    with index.open_dir(str(examples_index)).searcher() as searcher:
        vocab = SpellVocab(searcher.reader())
    assert vocab.df("energy") > 0
    words = [w for w, _ in vocab.fuzzy("enegry", 1, 8)]
    assert words[0] == "energy"  # a swap is one edit
    assert "energy" in [w for w, _ in vocab.fuzzy("neergy", 1, 8)]  # first two swapped
    assert "energy" in [w for w, _ in vocab.fuzzy("enrgi", 2, 8)]  # two edits
    assert "energy" not in [w for w, _ in vocab.fuzzy("enrgi", 1, 8)]
    # two edits that change the second letter without a swap: not a typo of it
    assert "energy" not in [w for w, _ in vocab.fuzzy("exergi", 2, 8)]
    # the first letter must match (unless swapped with the second)
    assert "energy" not in [w for w, _ in vocab.fuzzy("anergy", 2, 8)]
    assert vocab.fuzzy("energy", 0, 8) == []
    # closest first, then the most frequent
    from rapidfuzz.distance import OSA

    found = vocab.fuzzy("ecenomy", 2, 8)
    keys = [(OSA.distance("ecenomy", w), -df) for w, df in found]
    assert found and keys == sorted(keys)
