"""The editors' settings: synonyms, pinned results and hidden articles, from the
settings file and ``/settings``, on a small real index."""

from __future__ import annotations

import json
from pathlib import Path

import falcon.testing
import pytest
from service_support import build_index, make_doc

from search.config import Config
from search.engine import SearchEngine
from search.models import SearchRequest
from search.settings import (
    InvalidSettingsError,
    SettingsFile,
    parse_settings,
    query_key,
    read_settings_file,
)
from search.web.app import create_app

KEY = "settings-test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
DOCS = [
    make_doc(
        "war-explainer",
        "What the war is about",
        "A background piece.",
        tags=["Explainers"],
        published="2022-03-01T00:00:00Z",
    ),  # fmt: skip
    make_doc(
        "war-news",
        "Ukraine war: the front in May",
        "Ukraine war news.",
        tags=["News"],
        published="2024-05-01T00:00:00Z",
    ),  # fmt: skip
    make_doc(
        "war-analysis",
        "Ukraine war and grain",
        "Ukraine war, grain exports.",
        tags=["Analysis"],
        published="2024-06-01T00:00:00Z",
    ),  # fmt: skip
    make_doc(
        "retracted",
        "Ukraine war casualty figures",
        "Ukraine war figures.",
        tags=["News"],
        published="2024-07-01T00:00:00Z",
    ),  # fmt: skip
]


@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    return build_index(tmp_path / "index", DOCS)


def engine_with(index_dir: Path, settings: dict) -> SearchEngine:
    (index_dir / "settings.json").write_text(json.dumps(settings))
    return SearchEngine(index_dir, settings=SettingsFile(index_dir / "settings.json"))


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def test_hidden_articles_are_nowhere_but_stay_in_the_index(index_dir: Path) -> None:
    engine = engine_with(index_dir, {"hidden": ["retracted"]})
    try:
        found = engine.search(SearchRequest(q="ukraine war"))
        assert "retracted" not in ids(found) and found.total == 2
        assert "retracted" not in ids(engine.search(SearchRequest()))
        titles = [s.id for s in engine.suggest("ukraine war cas") if s.kind == "title"]
        assert "retracted" not in titles
        assert "retracted" not in [h.id for h in engine.related("war-news", limit=5)]
        assert engine.get_document("retracted")["title"].startswith("Ukraine war")
    finally:
        engine.close()
    engine = SearchEngine(index_dir)  # without the settings: there again
    try:
        assert "retracted" in ids(engine.search(SearchRequest(q="ukraine war")))
    finally:
        engine.close()


def test_pinned_hits_come_first_in_order_when_they_pass_the_filters(
    index_dir: Path,
) -> None:
    engine = engine_with(
        index_dir, {"pinned": {"Ukraine war": ["war-explainer", "war-analysis"]}}
    )
    try:
        # word order, case and accents do not matter; the explainer lacks "ukraine"
        found = engine.search(SearchRequest(q="WAR ukráine"))
        assert ids(found)[:2] == ["war-explainer", "war-analysis"]
        assert [h.pinned for h in found.hits] == [True, True, False, False]
        assert found.total == 4 and len(set(ids(found))) == 4
        explainers = [f for f in found.facets["tags"].values if f.value == "Explainers"]
        assert explainers and explainers[0].count == 1
        # a filter the pinned article fails: not shown
        news = engine.search(SearchRequest(q="ukraine war", tags=("News",)))
        assert "war-explainer" not in ids(news) and not any(h.pinned for h in news.hits)
        # page 2 goes on after the pinned ones, without repeating them
        page2 = engine.search(SearchRequest(q="ukraine war", per_page=1, page=2))
        assert ids(page2) == ["war-analysis"] and page2.hits[0].pinned
        page3 = engine.search(SearchRequest(q="ukraine war", per_page=1, page=3))
        assert ids(page3)[0] not in ("war-explainer", "war-analysis")
        # another query, or a sort by date: no pinning
        assert not any(h.pinned for h in engine.search(SearchRequest(q="grain")).hits)
        newest = engine.search(SearchRequest(q="ukraine war", sort="newest"))
        assert not any(h.pinned for h in newest.hits)
    finally:
        engine.close()


def test_settings_are_validated_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "settings.json"
    bad.write_text('{\n  "pinned": {},\n  "hidden": ["ok", "bad\\u0000id"]\n}\n')
    with pytest.raises(InvalidSettingsError, match=r"settings.json:3: hidden\[1\]"):
        read_settings_file(bad)
    bad.write_text('{\n  "stop_words": {}\n}')
    with pytest.raises(InvalidSettingsError, match=r":2: unknown setting 'stop_words'"):
        read_settings_file(bad)
    bad.write_text('{\n  "pinned": {},\n  "synonyms": {"eu": ["european union", 3]}\n}')
    with pytest.raises(InvalidSettingsError, match=r":3: synonyms\['eu'\]\[1\]"):
        read_settings_file(bad)
    bad.write_text('{"hidden": [}')
    with pytest.raises(InvalidSettingsError, match=r":1: not JSON"):
        read_settings_file(bad)
    assert read_settings_file(tmp_path / "absent.json").to_dict() == {
        "synonyms": {},
        "pinned": {},
        "hidden": [],
    }
    with pytest.raises(InvalidSettingsError, match="1 to 512 characters"):
        parse_settings({"pinned": {"": ["a"]}})
    with pytest.raises(InvalidSettingsError, match="list of document ids"):
        parse_settings({"pinned": {"q": "a"}})
    assert query_key("Türkiye, ELECTIONS") == "elections turkiye"


def test_the_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"hidden": ["a"]}')
    store = SettingsFile(path)
    first = store.current()
    assert first.hidden == {"a"} and store.current() is first  # unchanged: kept
    path.write_text('{"hidden": ["a", "b"]}')  # the very next request sees it
    assert store.current().hidden == {"a", "b"}
    path.write_text('{"hidden": "oops"}')  # made invalid: the last good ones stay
    assert store.current().hidden == {"a", "b"}
    path.write_text('{"hidden": ["c"]}')
    assert store.current().hidden == {"c"}
    path.unlink()  # removed: no settings
    assert store.current().hidden == frozenset()


def test_an_invalid_settings_file_stops_the_service_at_start(index_dir: Path) -> None:
    (index_dir / "settings.json").write_text('{"hidden": 3}')
    with pytest.raises(InvalidSettingsError, match="settings.json:1: hidden"):
        create_app(Config(index=index_dir))


def test_settings_endpoint(index_dir: Path) -> None:
    client = falcon.testing.TestClient(create_app(Config(index=index_dir, api_key=KEY)))
    assert client.simulate_get("/settings").status_code == 401
    got = client.simulate_get("/settings", headers=AUTH)
    assert got.status_code == 200
    assert got.json == {"synonyms": {}, "pinned": {}, "hidden": []}
    put = client.simulate_put(
        "/settings",
        headers=AUTH,
        json={"pinned": {"ukraine war": ["war-explainer"]}, "hidden": ["retracted"]},
    )
    assert put.status_code == 200 and put.json["hidden"] == ["retracted"]
    on_disk = json.loads((index_dir / "settings.json").read_text())
    assert on_disk == put.json
    # searches follow at once
    hits = client.simulate_get("/search", params={"q": "ukraine war"}).json["hits"]
    assert hits[0]["id"] == "war-explainer" and hits[0]["pinned"] is True
    assert "retracted" not in [h["id"] for h in hits]
    # PATCH: only the keys given; null empties one
    patched = client.simulate_patch("/settings", headers=AUTH, json={"hidden": None})
    assert patched.json == {
        "synonyms": {},
        "pinned": {"ukraine war": ["war-explainer"]},
        "hidden": [],
    }
    # errors: a bad body names the key, a wrong type is a 415
    bad = client.simulate_patch("/settings", headers=AUTH, json={"hidden": [1]})
    assert bad.status_code == 400 and "hidden[0]" in bad.json["description"]
    wrong = client.simulate_put(
        "/settings", headers={**AUTH, "Content-Type": "text/plain"}, body="{}"
    )
    assert wrong.status_code == 415
    replica = falcon.testing.TestClient(
        create_app(Config(index=index_dir, api_key=KEY, read_only=True))
    )
    assert replica.simulate_put("/settings", headers=AUTH, json={}).status_code == 405
    assert replica.simulate_get("/settings", headers=AUTH).json["pinned"]


SYNONYM_DOCS = [
    make_doc("eu-budget", "The EU budget fight", "The EU budget talks stalled."),
    make_doc(
        "union-budget",
        "A budget for the union",
        "The European Union budget talks stalled again.",
    ),
    make_doc("kremlin", "Inside the Kremlin", "The Kremlin decided on gas."),
    make_doc("moscow", "Russia and gas", "Russia decided to cut gas exports."),
    make_doc("unrelated", "Union wages", "The union of European bakers met."),
]


@pytest.fixture()
def synonym_index(tmp_path: Path) -> Path:
    return build_index(tmp_path / "syn", SYNONYM_DOCS)


def test_synonyms_find_more_and_exact_matches_rank_first(synonym_index: Path) -> None:
    engine = engine_with(
        synonym_index,
        {
            "synonyms": {
                "EU": ["European Union"],
                "european union": ["eu"],
                "kremlin": ["Russia"],
            }
        },
    )
    try:
        # one word -> a phrase: the phrase is searched exactly ("union" and
        # "european" apart, in "unrelated", do not count)
        found = engine.search(SearchRequest(q="eu budget"))
        assert ids(found) == ["eu-budget", "union-budget"]
        assert found.expanded == {"eu": ["european union"]}
        assert found.to_dict()["query"]["expanded"] == {"eu": ["european union"]}
        # the synonym's words are highlighted too
        assert "<mark>European</mark> <mark>Union</mark>" in found.hits[1].snippets[0]
        # a phrase -> one word, in the other direction
        back = engine.search(SearchRequest(q="European Union budget"))
        assert ids(back) == ["union-budget", "eu-budget"]
        # one-way: Kremlin finds Russia, Russia does not find the Kremlin
        assert ids(engine.search(SearchRequest(q="kremlin gas"))) == [
            "kremlin",
            "moscow",
        ]
        assert ids(engine.search(SearchRequest(q="russia gas"))) == ["moscow"]
        # a quoted phrase is meant exactly: no synonyms
        quoted = engine.search(SearchRequest(q='"kremlin"'))
        assert ids(quoted) == ["kremlin"] and quoted.expanded == {}
    finally:
        engine.close()
    engine = SearchEngine(synonym_index)  # without settings: exact words only
    try:
        assert ids(engine.search(SearchRequest(q="eu budget"))) == ["eu-budget"]
    finally:
        engine.close()


def test_synonyms_are_validated_and_folded() -> None:
    settings = parse_settings(
        {
            "synonyms": {
                "Türkiye": ["Turkey"],
                "TURKIYE": ["Anatolia"],
                "x": ["X"],
                "--": ["a"],
                "b": ["?"],
            }
        }
    )
    # keys that fold alike are one; a synonym of itself or of no words is inert
    assert settings.synonym_words == {("turkiye",): (("turkey",), ("anatolia",))}
    assert settings.to_dict()["synonyms"]["Türkiye"] == ["Turkey"]
    assert settings.to_dict()["synonyms"]["--"] == ["a"]
    with pytest.raises(InvalidSettingsError, match="list of strings"):
        parse_settings({"synonyms": {"eu": "european union"}})
    with pytest.raises(InvalidSettingsError, match="1 to 512 characters"):
        parse_settings({"synonyms": {"eu": [""]}})
