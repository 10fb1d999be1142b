"""The shared contract: analysers, document normalisation and index fields."""

from __future__ import annotations

import pytest

from search import schema
from search.engine import SearchEngine
from search.models import SearchRequest


def _tokens(text: str) -> list[str]:
    return [t.text for t in schema.text_analyzer()(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Erdoğan's visit", ["erdogan", "visit"]),
        ("Türkiye’s gas", ["turkiye", "ga"]),
        ("O'Neill said", ["o'neil", "said"]),
        ("relations", ["relat"]),
    ],
    ids=["possessive", "curly-possessive", "inner-apostrophe", "stem"],
)
def test_text_analyzer(text, expected):
    assert _tokens(text) == expected


def test_possessive_in_an_article_is_found_by_the_bare_name(tmp_path, index_builder):
    doc = {
        "id": "a",
        "title": "Ankara's bargaining",
        "body": "Erdoğan's government priced the gas in lira.",
    }
    engine = SearchEngine(index_builder(tmp_path / "ix", [doc]))
    try:
        result = engine.search(SearchRequest(q="erdogan", facets=()))
        assert [hit.id for hit in result.hits] == ["a"]
        assert "<mark>Erdoğan" in result.hits[0].snippets[0]
    finally:
        engine.close()


def test_normalize_document_names_the_bad_field():
    with pytest.raises(ValueError, match="published"):
        schema.normalize_document({"id": "x", "title": "t", "published": "yesterday"})
    with pytest.raises(ValueError, match="'id'"):
        schema.normalize_document({"title": "t"})
    with pytest.raises(ValueError, match="authors"):
        schema.normalize_document({"id": "x", "title": "t", "authors": [3]})


def test_dates_are_stored_in_utc_and_facets_keep_display_values():
    fields = schema.to_index_fields(
        {
            "id": "x",
            "title": "t",
            "published": "2024-03-01T23:30:00-05:00",
            "tags": ["Energy Policy", "energy policy", "Gas, LNG"],
        }
    )
    assert fields[schema.PUBLISHED_ISO] == "2024-03-02T04:30:00Z"
    assert fields[schema.YEAR] == "2024" and fields[schema.MONTH] == "2024-03"
    assert fields[f"_stored_{schema.TAGS}"] == ["Energy Policy", "Gas LNG"]
    assert fields[schema.TAG] == "Energy Policy,Gas LNG"
