"""The editors' settings: pinned results and hidden articles, from the settings file
and ``/settings``, on a small real index."""

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
    bad.write_text('{\n  "synonyms": {}\n}')
    with pytest.raises(InvalidSettingsError, match=r":2: unknown setting 'synonyms'"):
        read_settings_file(bad)
    bad.write_text('{"hidden": [}')
    with pytest.raises(InvalidSettingsError, match=r":1: not JSON"):
        read_settings_file(bad)
    assert read_settings_file(tmp_path / "absent.json").to_dict() == {
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
    now = [0.0]
    store = SettingsFile(path, clock=lambda: now[0])
    assert store.current().hidden == {"a"}
    path.write_text('{"hidden": ["a", "b"]}')
    now[0] += 5
    assert store.current().hidden == {"a", "b"}
    path.write_text('{"hidden": "oops"}')  # made invalid: the last good ones stay
    now[0] += 5
    assert store.current().hidden == {"a", "b"}


def test_an_invalid_settings_file_stops_the_service_at_start(index_dir: Path) -> None:
    (index_dir / "settings.json").write_text('{"hidden": 3}')
    with pytest.raises(InvalidSettingsError, match="settings.json:1: hidden"):
        create_app(Config(index=index_dir))


def test_settings_endpoint(index_dir: Path) -> None:
    client = falcon.testing.TestClient(create_app(Config(index=index_dir, api_key=KEY)))
    assert client.simulate_get("/settings").status_code == 401
    got = client.simulate_get("/settings", headers=AUTH)
    assert got.status_code == 200 and got.json == {"pinned": {}, "hidden": []}
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
    assert patched.json == {"pinned": {"ukraine war": ["war-explainer"]}, "hidden": []}
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
