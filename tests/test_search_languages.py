"""Per-language analysis: stemming, stop words and folding of each language, and the
example articles in German, French and Spanish found through their own analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from service_support import build_index, example_documents, make_doc

from indexer.cli import main as indexer_main
from search import languages, schema
from search.engine import SearchEngine
from search.models import SearchRequest
from search.query.analysis import analyze, stem_of
from search.query.build import build_plain
from search.query.plain import parse_plain

GERMAN = "https://meridian-review.example/energy/waermewende-schuldenbremse"
FRENCH = "https://meridian-review.example/energy/nucleaire-francais-grand-carenage"
SPANISH = "https://meridian-review.example/economy/uruguay-sequia-agua-montevideo"


# --- the analysis of each language --------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "forms", "stem"),
    [
        ("de", ["Stadtwerk", "Stadtwerke", "Stadtwerken"], "stadtwerk"),
        ("de", ["Wärmepumpe", "Wärmepumpen"], "warmepump"),
        ("fr", ["réacteur", "réacteurs", "Réacteurs"], "reacteur"),
        ("fr", ["âge", "l'âge", "L’âge"], "age"),  # elision dropped
        ("es", ["potabilizar", "potabilizadora", "potabilizada"], "potabiliz"),
        ("es", ["pérdida", "pérdidas"], "perd"),
        ("it", ["economia", "dell'economia", "economie"], "econom"),
        ("pt", ["política", "políticas", "Politica"], "polit"),
        ("nl", ["verkiezing", "verkiezingen"], "verkiez"),
        ("ru", ["война", "войны", "войной"], "воин"),  # й folded after the stemmer
        ("tr", ["İstanbul", "ISTANBUL", "ıstanbul", "istanbul"], "istanbul"),
    ],
)
def test_each_language_stems_and_folds_its_forms_alike(
    lang: str, forms: list[str], stem: str
) -> None:
    assert {stem_of(f, lang) for f in forms} == {stem}


def test_english_analysis_is_unchanged_and_differs_from_the_others() -> None:
    assert analyze("Erdoğan relations") == ["erdogan", "relat"]
    # the forms English cannot bring together
    assert stem_of("Stadtwerken") != stem_of("Stadtwerk")
    assert stem_of("l'âge") != stem_of("âge")
    assert stem_of("potabilizadora") != stem_of("potabilizar")


@pytest.mark.parametrize(
    ("lang", "text", "kept"),
    [
        ("de", "die Wärmewende und der Haushalt", ["warmew", "haushalt"]),
        ("fr", "le parc et les centrales du pays", ["parc", "central", "pay"]),
        ("es", "la sequía de los embalses", ["sequ", "embals"]),
        ("tr", "bu ve şu için İstanbul", ["istanbul"]),
        ("ru", "война и мир", ["воин", "мир"]),
    ],
)
def test_each_language_drops_its_stop_words(
    lang: str, text: str, kept: list[str]
) -> None:
    assert analyze(text, lang) == kept


def test_russian_folds_after_stemming_and_leaves_latin_words_latin() -> None:
    # folding й first would give "воина", which the stemmer reads differently
    assert analyze("чайный istanbul", "ru") == ["чаин", "istanbul"]


def test_a_stop_word_of_some_languages_searched_is_exempt_in_them() -> None:
    both = build_plain(parse_plain("die Wärmewende"), None, langs=("de", "en"))
    ((_, [((die,), _)]), (_, [((wende,), _)])) = both.specs
    assert die.stop_in == ("de",) and die.alts == (("die", 1.0),)
    assert wende.stop_in == ()
    english = build_plain(parse_plain("die Wärmewende"), None, langs=("en",))
    assert english.specs[0][1][0][0][0].stop_in == ()
    # a stop word in every language searched is dropped, as ever
    assert build_plain(parse_plain("la de los"), None, langs=("es",)).specs == []
    assert build_plain(parse_plain("in an"), None, langs=("en", "de")).specs == []


# --- the examples, in four languages ------------------------------------------------
@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    index = build_index(tmp_path_factory.mktemp("langs") / "index", example_documents())
    engine = SearchEngine(index)
    yield engine
    engine.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def test_the_examples_hold_four_languages(engine: SearchEngine) -> None:
    facet = engine.search(SearchRequest(facets=("language",))).facets["language"]
    counts = {v.value: v.count for v in facet.values}
    assert counts["de"] == counts["fr"] == counts["es"] == 1
    assert counts["en"] >= 30


@pytest.mark.parametrize(
    ("query", "article", "marked"),
    [
        ("Stadtwerk", GERMAN, "<mark>Stadtwerke</mark>"),
        ("Förderprogramm", GERMAN, "<mark>Förderprogramme</mark>"),
        ("die Wärmewende", GERMAN, "<mark>Wärmewende</mark>"),
        ("réacteur âge", FRENCH, "<mark>réacteurs</mark>"),
        ("potabilizar", SPANISH, "<mark>potabilizadora</mark>"),
        ("pérdidas red", SPANISH, "<mark>pérdidas</mark>"),
    ],
)
def test_an_inflected_word_finds_the_article_in_its_language(
    engine: SearchEngine, query: str, article: str, marked: str
) -> None:
    found = engine.search(SearchRequest(q=query))
    assert ids(found)[:1] == [article]
    hit = found.hits[0]
    assert hit.language == languages.document_language(hit.language)
    assert hit.to_dict()["language"] in ("de", "fr", "es")
    assert any(marked in s for s in hit.snippets), hit.snippets


def test_the_language_filter_keeps_one_language_and_its_analysis(
    engine: SearchEngine,
) -> None:
    german = engine.search(SearchRequest(q="", languages=("de",)))
    assert ids(german) == [GERMAN] and german.total == 1
    # a tag such as de-DE is read as de
    assert ids(engine.search(SearchRequest(q="Stadtwerk", languages=("de-DE",)))) == [
        GERMAN
    ]
    # the French article is not German: nothing, whatever the words
    assert engine.search(SearchRequest(q="réacteur", languages=("de",))).total == 0
    two = engine.search(SearchRequest(languages=("de", "fr"), facets=("language",)))
    assert set(ids(two)) == {GERMAN, FRENCH}
    # multi-select: the facet still counts the languages not chosen
    values = {v.value: v.selected for v in two.facets["language"].values}
    assert values["de"] and values["fr"] and not values["en"]


def test_english_articles_still_match_as_before(engine: SearchEngine) -> None:
    found = engine.search(SearchRequest(q="nuclear plant gas"))
    assert found.hits and found.hits[0].language == "en"
    assert "akkuyu" in found.hits[0].id


# --- the default language of a site -------------------------------------------------
PAGE = """<!doctype html><html><head><title>Die Stadtwerke</title></head><body>
<article><h1>Die Stadtwerke und die Wärmenetze</h1>
<p>Die Stadtwerken fehlt das Geld für neue Wärmenetze, und die Kommunen können
nicht helfen, solange die Schuldenbremse gilt. Viele Gemeinden warten deshalb ab.</p>
<p>Ohne Bürgschaften von Bund und Ländern wird der Ausbau der Netze Jahre dauern,
und die Eigentümer wissen nicht, ob sie eine Wärmepumpe kaufen sollen.</p>
</article></body></html>"""


def test_the_site_default_language_applies_to_pages_that_name_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "seite.html"
    page.write_text(PAGE, encoding="utf-8")
    assert indexer_main(["extract", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == ""
    assert indexer_main(["extract", "--language", "de-AT", str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "de"
    site = tmp_path / "site.toml"
    site.write_text('language = "de"\n[selectors]\nbody = "article"\n')
    assert indexer_main(["extract", "--site-config", str(site), str(page)]) == 0
    assert json.loads(capsys.readouterr().out)["language"] == "de"
    assert indexer_main(["extract", "--language", "??", str(page)]) == 2
    assert "not a language code" in capsys.readouterr().err
    index = tmp_path / "index"
    code = indexer_main(
        ["index", str(tmp_path), "--index", str(index), "--language", "de", "--quiet"]
    )
    assert code == 0
    engine = SearchEngine(index)
    try:
        found = engine.search(SearchRequest(q="Wärmenetz Stadtwerk"))
        assert found.total == 1 and found.hits[0].language == "de"
    finally:
        engine.close()


def test_documents_without_a_language_are_english() -> None:
    fields = schema.to_index_fields(make_doc("x", "Relations", "Relations."))
    assert fields[schema.LANG_KEY] == "en"
    assert (
        schema.to_index_fields(make_doc("y", "T", "B", language="pt-BR"))[
            schema.LANG_KEY
        ]
        == "pt"
    )


def test_a_stop_word_of_one_language_is_still_searched_in_the_others(
    engine: SearchEngine,
) -> None:
    # "war" is a German stop word (was): every English article about war is
    # still found (a space after it: not a prefix of "Wärmewende")
    war = engine.search(SearchRequest(q="war ", per_page=50))
    english_only = engine.search(
        SearchRequest(q="war ", languages=("en",), per_page=50)
    )
    assert english_only.total >= 5
    assert set(ids(english_only)) <= set(ids(war))
    # "die" (German article, English verb): the German article is found by the
    # other word, an English text would need "die" itself
    found = engine.search(SearchRequest(q="die Kommunen"))
    assert ids(found) == [GERMAN]
    # when not every word matches, the German article lacks only the unknown
    # word, not its own stop word
    partial = engine.search(SearchRequest(q="die Kommunen quokkas"))
    assert ids(partial)[:1] == [GERMAN] and partial.dropped_terms == ["quokkas"]


def test_a_stop_word_is_required_where_it_is_no_stop_word() -> None:
    docs = [
        make_doc("en-die", "Why plants die", "Plants die of drought.", language="en"),
        make_doc("en-live", "Why plants live", "Plants live on.", language="en"),
        make_doc("de", "Die Pflanzen", "Die Pflanzen leben.", language="de"),
    ]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        engine = SearchEngine(build_index(Path(tmp) / "i", docs))
        try:
            assert ids(engine.search(SearchRequest(q="die plants"))) == ["en-die"]
            assert ids(engine.search(SearchRequest(q="die Pflanzen"))) == ["de"]
        finally:
            engine.close()
