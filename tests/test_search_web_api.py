"""The HTTP API through ``falcon.testing.TestClient`` over an index of the examples."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import falcon
import falcon.testing
import pytest
from service_support import (
    API_KEY,
    build_index,
    doc_path,
    example_documents,
    make_doc,
)

from search.config import Config
from search.web.app import create_app

HIT_KEYS = {
    "id",
    "url",
    "title",
    "title_html",
    "authors",
    "tags",
    "section",
    "published",
    "summary",
    "score",
    "snippets",
    "pinned",
    "language",
}
TURKIYE = "https://meridian-review.example/energy/turkiye-black-sea-gas-pricing"


@pytest.fixture(scope="module")
def index_dir(examples_index):
    return examples_index


@pytest.fixture(scope="module")
def docs_by_id():
    return {d["id"]: d for d in example_documents()}


@pytest.fixture
def write_index(tmp_path):
    """A small index of its own for tests that write."""
    return build_index(
        tmp_path / "index",
        [
            make_doc("a", "Gas pricing in Ankara", "Gas hub pricing and liquidity."),
            make_doc("b", "Chips and tariffs", "Semiconductor export controls."),
        ],
    )


@pytest.fixture
def client_with_key(write_index):
    return falcon.testing.TestClient(
        create_app(Config(index=write_index, api_key=API_KEY, writer_timeout=1.0))
    )


@pytest.fixture
def client_without_key(write_index):
    return falcon.testing.TestClient(create_app(Config(index=write_index)))


AUTH = {"Authorization": f"Bearer {API_KEY}"}


def search(client, **params):
    result = client.simulate_get("/search", params=params)
    assert result.status_code == 200, result.text
    return result.json


# --- /search ------------------------------------------------------------------------


def test_search_ranks_matching_articles_with_highlights(client):
    body = search(client, q="gas")
    assert body["total"] >= 2
    assert set(body) == {
        "query",
        "total",
        "page",
        "per_page",
        "pages",
        "took_ms",
        "partial",
        "hits",
        "facets",
        "did_you_mean",
    }
    assert TURKIYE in [h["id"] for h in body["hits"][:3]]
    top = next(h for h in body["hits"] if h["id"] == TURKIYE)
    assert set(top) == HIT_KEYS
    assert "<mark>Gas</mark>" in top["title_html"]
    assert any("<mark>" in s for s in top["snippets"])
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert body["query"]["q"] == "gas"
    assert body["query"]["parsed"]


def test_search_response_headers(client):
    result = client.simulate_get("/search", params={"q": "gas"})
    assert result.headers["content-type"] == "application/json"
    assert result.headers["cache-control"] == "public, max-age=10"
    assert "access-control-allow-origin" not in result.headers  # none by default


def test_a_search_cut_by_the_time_limit_is_partial_and_not_cached(tmp_path):
    docs = [make_doc(f"d{i}", f"Note {i}", f"common words {i}") for i in range(600)]
    index_dir = build_index(tmp_path / "index", docs)
    client = falcon.testing.TestClient(
        create_app(Config(index=index_dir, time_limit=1e-9, cache_size=0))
    )
    result = client.simulate_get("/search", params={"q": "*", "mode": "raw"})
    assert result.status_code == 200
    assert result.json["partial"] is True
    assert 0 < result.json["total"] < len(docs)
    assert result.headers["cache-control"] == "no-cache"


def test_empty_query_lists_everything_with_facets(client, docs_by_id):
    body = search(client, q="", per_page=100)
    assert body["total"] == len(docs_by_id)
    assert set(body["facets"]) == {
        "tags",
        "authors",
        "section",
        "year",
        "month",
        "language",
    }
    energy = sum("Energy" in d["tags"] for d in docs_by_id.values())
    counts = {v["value"]: v["count"] for v in body["facets"]["tags"]["values"]}
    assert counts["Energy"] == energy


def test_tag_filter_with_multi_select_facets(client, docs_by_id):
    unfiltered = search(client, q="")
    body = search(client, q="", tag="Energy", per_page=100)
    expected = {i for i, d in docs_by_id.items() if "Energy" in d["tags"]}
    assert {h["id"] for h in body["hits"]} == expected
    assert body["total"] == len(expected)
    # the tags facet ignores the tag filter (post_filter semantics) ...
    tags = {v["value"]: v["count"] for v in body["facets"]["tags"]["values"]}
    assert tags == {
        v["value"]: v["count"] for v in unfiltered["facets"]["tags"]["values"]
    }
    selected = [v["value"] for v in body["facets"]["tags"]["values"] if v["selected"]]
    assert selected in ([], ["Energy"])  # shown as selected when among the values
    # ... while the other facets apply it
    sections = body["facets"]["section"]["values"]
    assert sum(v["count"] for v in sections) == len(expected)


def test_repeated_filter_is_or_and_fields_are_and(client, docs_by_id):
    body = search(client, tag=["Energy", "Elections"], year="2023", per_page=100)
    expected = {
        i
        for i, d in docs_by_id.items()
        if {"Energy", "Elections"} & set(d["tags"]) and d["published"][:4] == "2023"
    }
    assert expected
    assert {h["id"] for h in body["hits"]} == expected
    assert body["query"]["tags"] == ["Energy", "Elections"]
    assert body["query"]["years"] == ["2023"]


def test_date_range_and_sort(client, docs_by_id):
    body = search(
        client, **{"from": "2023-01-01", "to": "2023-12-31", "sort": "newest"}
    )
    dates = [h["published"] for h in body["hits"]]
    assert dates
    assert all(d.startswith("2023") for d in dates)
    assert dates == sorted(dates, reverse=True)
    assert body["query"]["from"] == "2023-01-01"
    oldest = search(client, sort="oldest", per_page=3)
    assert [h["published"] for h in oldest["hits"]] == sorted(
        d["published"] for d in docs_by_id.values()
    )[:3]


def test_paging(client, docs_by_id):
    first = search(client, q="", per_page=5)
    second = search(client, q="", per_page=5, page=2)
    assert first["pages"] == second["pages"] == -(-len(docs_by_id) // 5)
    assert second["page"] == 2
    assert len(second["hits"]) == 5
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_facets_parameter_selects_and_caps(client):
    body = search(client, facets="tags,year", facet_size=2)
    assert set(body["facets"]) == {"tags", "year"}
    assert len(body["facets"]["tags"]["values"]) == 2
    assert body["facets"]["tags"]["truncated"] is True
    assert search(client, facets="")["facets"] == {}
    # names as written, as the OpenAPI enum says: blank or padded ones are refused
    for bad in ("\n", "tags,,year", "tags, year"):
        refused = client.simulate_get("/search", params={"facets": bad})
        assert refused.status_code == 400, bad
        assert refused.json["param"] == "facets"
        assert "unknown facet" in refused.json["description"]


def test_accent_folding_and_recency_boost(client):
    folded = search(client, q="erdogan")
    accented = search(client, q="erdoğan")
    assert folded["total"] == accented["total"] > 0
    boosted = search(client, q="gas", boost="recent")
    assert boosted["query"]["boost"] == "recent"
    assert boosted["total"] == search(client, q="gas")["total"]


def test_hostile_query_text_is_never_a_500(client):
    for q in ['"unclosed', "title:(", "a AND OR NOT", "*", "<script>", ":::", "-"]:
        result = client.simulate_get("/search", params={"q": q})
        assert result.status_code == 200, (q, result.text)


# --- /suggest -----------------------------------------------------------------------


def test_suggest_json(client):
    result = client.simulate_get("/suggest", params={"q": "turk"})
    assert result.status_code == 200
    suggestions = result.json
    assert suggestions
    assert all(set(s) == {"text", "kind", "count", "id", "url"} for s in suggestions)
    assert any(s["text"].lower().startswith("turk") for s in suggestions)
    assert len(client.simulate_get("/suggest", params={"q": "t", "limit": 2}).json) <= 2
    assert client.simulate_get("/suggest", params={"q": " "}).json == []


def test_suggest_opensearch(client):
    result = client.simulate_get(
        "/suggest", params={"q": "turk", "format": "opensearch"}
    )
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/x-suggestions+json"
    q, texts, descriptions, urls = result.json
    assert q == "turk"
    assert texts and len(texts) == len(descriptions) == len(urls)


# --- /documents ---------------------------------------------------------------------


def test_get_document_by_url_id(client, docs_by_id):
    result = client.simulate_get(doc_path(TURKIYE))
    assert result.status_code == 200
    doc = result.json
    expected = docs_by_id[TURKIYE]
    for key in ("id", "url", "title", "authors", "tags", "section", "published"):
        assert doc[key] == expected[key]


def test_get_document_with_plain_id(client, docs_by_id):
    plain = next(i for i in docs_by_id if not i.startswith("http"))
    assert client.simulate_get(doc_path(plain)).json["id"] == plain


def test_missing_document_is_404(client):
    result = client.simulate_get(doc_path("https://nowhere.example/x"))
    assert result.status_code == 404
    assert result.json["title"] == "Document not found"
    assert "https://nowhere.example/x" in result.json["description"]


def test_related(client):
    result = client.simulate_get(doc_path(TURKIYE, "/related"), params={"limit": 3})
    assert result.status_code == 200
    body = result.json
    assert body["id"] == TURKIYE
    assert 1 <= len(body["hits"]) <= 3
    assert TURKIYE not in {h["id"] for h in body["hits"]}
    assert all(set(h) == HIT_KEYS for h in body["hits"])
    recent = client.simulate_get(
        doc_path(TURKIYE, "/related"), params={"from": "2024-01-01"}
    ).json
    assert all(h["published"] >= "2024-01-01" for h in recent["hits"])


def test_related_of_missing_document_is_404(client):
    assert client.simulate_get(doc_path("nope", "/related")).status_code == 404


# --- writes -------------------------------------------------------------------------


def test_writes_are_disabled_without_a_key(client_without_key):
    for method in ("PUT", "DELETE"):
        result = client_without_key.simulate_request(
            method, doc_path("a"), json={"title": "x"}, headers=AUTH
        )
        assert result.status_code == 403
        assert "ANALYSIS_SEARCH_API_KEY" in result.json["description"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key-0123456789"}, {"Authorization": API_KEY}],
    ids=["missing", "wrong", "no-scheme"],
)
def test_writes_need_the_right_key(client_with_key, headers):
    result = client_with_key.simulate_put(
        doc_path("new"), json={"title": "New"}, headers=headers
    )
    assert result.status_code == 401
    assert result.headers["www-authenticate"].startswith("Bearer")
    assert (
        client_with_key.simulate_delete(doc_path("a"), headers=headers).status_code
        == 401
    )


def test_put_json_creates_then_replaces_and_delete(client_with_key):
    doc_id = "https://meridian-review.example/energy/new piece?x=1"
    doc = {
        "title": "Hydrogen valleys",
        "body": "Electrolysers and hydrogen valleys in Europe.",
        "tags": ["Energy"],
        "published": "2025-01-02T03:04:05Z",
    }
    created = client_with_key.simulate_put(doc_path(doc_id), json=doc, headers=AUTH)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == doc_path(doc_id)
    assert created.json["created"] is True
    assert created.json["document"]["title"] == "Hydrogen valleys"
    assert created.json["document"]["url"] == doc_id  # url defaults to a URL id
    # visible to the very next search
    hits = search(client_with_key, q="hydrogen")["hits"]
    assert [h["id"] for h in hits] == [doc_id]

    replaced = client_with_key.simulate_put(
        doc_path(doc_id), json={**doc, "title": "Hydrogen hubs"}, headers=AUTH
    )
    assert replaced.status_code == 200
    assert replaced.json["created"] is False
    assert search(client_with_key, q="hydrogen")["hits"][0]["title"] == "Hydrogen hubs"

    deleted = client_with_key.simulate_delete(doc_path(doc_id), headers=AUTH)
    assert deleted.status_code == 204
    assert deleted.text == ""
    assert search(client_with_key, q="hydrogen")["total"] == 0
    assert client_with_key.simulate_get(doc_path(doc_id)).status_code == 404
    again = client_with_key.simulate_delete(doc_path(doc_id), headers=AUTH)
    assert again.status_code == 404


def test_put_html_runs_the_extractor(client_with_key):
    page = (Path(__file__).parent.parent / "examples" / "articles").glob("*.html")
    html = next(iter(sorted(page))).read_bytes()
    result = client_with_key.simulate_put(
        doc_path("page-1"),
        body=html,
        headers={**AUTH, "Content-Type": "text/html; charset=utf-8"},
    )
    assert result.status_code == 201, result.text
    doc = result.json["document"]
    assert doc["id"] == "page-1"
    assert doc["title"]
    assert len(doc["body"]) > 500
    first_word = doc["title"].split()[0].strip("'’,.:")
    assert "page-1" in {h["id"] for h in search(client_with_key, q=first_word)["hits"]}


def test_put_html_extraction_failure_is_422(write_index):
    failing = (
        sys.executable,
        "-c",
        "import sys; sys.stdin.read(); "
        "sys.stderr.write('no article body found\\n'); sys.exit(1)",
    )
    client = falcon.testing.TestClient(
        create_app(Config(index=write_index, api_key=API_KEY, extract_command=failing))
    )
    result = client.simulate_put(
        doc_path("x"),
        body=b"<html></html>",
        headers={**AUTH, "Content-Type": "text/html"},
    )
    assert result.status_code == 422
    assert "no article body found" in result.json["description"]


def test_written_document_body_limits(write_index):
    client = falcon.testing.TestClient(
        create_app(Config(index=write_index, api_key=API_KEY, max_body_bytes=100))
    )
    result = client.simulate_put(
        doc_path("x"), json={"title": "x", "body": "y" * 200}, headers=AUTH
    )
    assert result.status_code == 413


# --- health, stats, openapi, cors, logging ---------------------------------------


def test_health(client, docs_by_id):
    result = client.simulate_get("/health")
    assert result.status_code == 200
    assert result.json == {"status": "ok", "documents": len(docs_by_id), "ready": True}
    assert result.headers["cache-control"] == "no-store"
    head = client.simulate_head("/health")  # what load balancers often send
    assert head.status_code == 200
    assert head.content == b""


def test_stats_counts_queries(index_dir, docs_by_id):
    client = falcon.testing.TestClient(
        create_app(Config(index=index_dir, api_key=API_KEY))
    )
    search(client, q="gas")
    search(client, q="qqqzzzxx")
    search(client, q="QQQZZZXX")
    client.simulate_get("/suggest", params={"q": "tu"})
    client.simulate_get("/search", params={"per_page": "many"})
    stats = client.simulate_get("/stats").json
    assert stats["documents"] == len(docs_by_id)
    assert stats["index_bytes"] > 0
    assert stats["last_update"].endswith("Z")
    assert stats["queries"] == {"search": 3, "suggest": 1}
    assert stats["requests"]["/search"] == 4
    assert stats["errors"] == {"/search": 1}
    assert stats["latency_ms"]["/search"]["count"] == 4
    lat = stats["latency_ms"]["/search"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
    assert stats["zero_result_counts"] == {"search": 2}
    assert "zero_result_queries" not in stats  # readers' words: only with the key
    private = client.simulate_get("/stats", headers=AUTH).json
    assert private["zero_result_queries"] == [{"q": "qqqzzzxx", "count": 2}]


def test_openapi_document_is_served(client):
    result = client.simulate_get("/openapi.json")
    assert result.status_code == 200
    assert result.json["openapi"].startswith("3.1")
    assert "public" in result.headers["cache-control"]


@pytest.fixture(scope="module")
def client_cors(index_dir):
    config = Config(index=index_dir, cors_origins=("https://reader.example",))
    return falcon.testing.TestClient(create_app(config))


def test_cors_allows_configured_origins_only(client_cors):
    ok = client_cors.simulate_get(
        "/search", params={"q": "gas"}, headers={"Origin": "https://reader.example"}
    )
    assert ok.headers["access-control-allow-origin"] == "https://reader.example"
    assert "Origin" in ok.headers["vary"]
    other = client_cors.simulate_get(
        "/search", params={"q": "gas"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers
    preflight = client_cors.simulate_options(
        doc_path("a"),
        headers={
            "Origin": "https://reader.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"]


def test_every_request_is_logged_in_one_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="search.access"):
        client.simulate_get("/health")
        client.simulate_get("/nowhere")
        client.simulate_get("/a%0Afake%20line")
    lines = [r.getMessage() for r in caplog.records if r.name == "search.access"]
    assert len(lines) == 3
    assert lines[2] == lines[2].strip() and "\n" not in lines[2]
    assert lines[2].startswith("GET /a%0Afake%20line 404 ")
    method, path, status, ms = lines[0].split()
    assert (method, path, status) == ("GET", "/health", "200")
    assert ms.endswith("ms") and float(ms[:-2]) >= 0
    assert lines[1].startswith("GET /nowhere 404 ")


def test_create_app_without_arguments_reads_the_environment(
    index_dir, docs_by_id, monkeypatch
):
    monkeypatch.setenv("ANALYSIS_SEARCH_INDEX", str(index_dir))
    monkeypatch.setenv("ANALYSIS_SEARCH_CORS_ORIGINS", "*")
    client = falcon.testing.TestClient(create_app())
    result = client.simulate_get("/health", headers={"Origin": "https://a.example"})
    assert result.json["documents"] == len(docs_by_id)
    assert result.headers["access-control-allow-origin"] == "*"


def test_trailing_slashes_are_ignored(client):
    assert client.simulate_get(doc_path(TURKIYE, "/related/")).status_code == 200
    assert client.simulate_get("/health/").status_code == 200


def test_encoded_slash_ids_route_only_as_one_segment(client):
    # an unencoded URL id is several path segments: no such route
    result = client.simulate_get("/documents/https://meridian-review.example/energy/x")
    assert result.status_code == 404
    assert result.json["title"] == "404 Not Found"
