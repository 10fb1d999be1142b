"""Every error path answers with the same JSON shape and never leaks a traceback."""

from __future__ import annotations

import logging
import shutil
import sys
from unittest.mock import create_autospec

import falcon
import falcon.testing
import pytest
from service_support import (
    API_KEY,
    build_index,
    doc_path,
    make_doc,
)
from whoosh import index as whoosh_index

from search.config import Config
from search.engine import SearchEngine
from search.errors import IndexUnavailableError
from search.store.errors import IndexLockedError
from search.web.app import create_app

ALLOWED_KEYS = {"title", "description", "param", "position"}
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def assert_canonical_error(result, status: int, param: str | None = None) -> dict:
    """The one error shape: JSON {title, description[, param, position]}, no trace."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"] == "application/json"
    assert result.headers["cache-control"] == "no-store"
    body = result.json
    assert isinstance(body, dict)
    assert {"title", "description"} <= set(body) <= ALLOWED_KEYS, body
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["description"], str) and body["description"]
    assert "Traceback" not in result.text and 'File "' not in result.text
    if param is not None:
        assert body.get("param") == param, body
    return body


@pytest.fixture(scope="module")
def index_dir(examples_index):
    return examples_index


BAD_SEARCHES = [
    ({"per_page": "ten"}, "per_page", "integer"),
    ({"per_page": "101"}, "per_page", "100"),
    ({"per_page": "0"}, "per_page", "1"),
    ({"page": "0"}, "page", "1"),
    ({"page": "1.5"}, "page", "integer"),
    ({"page": "11", "per_page": "100"}, "page", "1,000"),
    ({"facets": "tags,colour"}, "facets", "colour"),
    ({"facet_size": "0"}, "facet_size", "facet_size"),
    ({"facet_size": "x"}, "facet_size", "integer"),
    ({"sort": "popular"}, "sort", "popular"),
    ({"mode": "regex"}, "mode", "regex"),
    ({"boost": "old"}, "boost", "old"),
    ({"q": "x" * 1001}, "q", "1000"),
    ({"year": "23"}, "year", "4 digits"),
    ({"from": "2023-13-01"}, "from", "YYYY-MM-DD"),
    ({"to": "yesterday"}, "to", "YYYY-MM-DD"),
    # the typed parameters are strict: an empty value is not "absent"
    ({"to": ""}, "to", "YYYY-MM-DD"),
    ({"from": "20240301"}, "from", "YYYY-MM-DD"),
    ({"from": "2024-W09-5"}, "from", "YYYY-MM-DD"),
    ({"sort": ""}, "sort", "relevance"),
    ({"mode": ""}, "mode", "plain"),
    ({"boost": ""}, "boost", "recent"),
    ({"year": ""}, "year", "4 digits"),
    ({"year": "２０２４"}, "year", "4 digits"),
    ({"page": "١"}, "page", "integer"),
    ({"page": "1_0"}, "page", "integer"),
    ({"page": "1001"}, "page", "1000"),
]


def test_from_after_to_is_an_empty_range_not_an_error(client):
    body = client.simulate_get(
        "/search", params={"from": "2024-01-01", "to": "2023-01-01"}
    ).json
    assert body["total"] == 0 and body["hits"] == []
    everything = client.simulate_get("/search", params={"to": "9999-12-31"}).json
    assert everything["total"] > 0  # the last day there is, not an overflow


@pytest.mark.parametrize(
    ("params", "param", "words"),
    BAD_SEARCHES,
    ids=[b[1] + "-" + str(i) for i, b in enumerate(BAD_SEARCHES)],
)
def test_bad_search_parameters_are_400_naming_the_parameter(
    client, params, param, words
):
    body = assert_canonical_error(
        client.simulate_get("/search", params=params), 400, param
    )
    assert words in body["description"]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"q": "a", "limit": "x"}, "limit"),
        ({"q": "a", "limit": "99"}, "limit"),
        ({"q": "a", "format": "xml"}, "format"),
        ({"q": "a" * 1001}, "q"),
    ],
    ids=["limit-nan", "limit-big", "format", "q-long"],
)
def test_bad_suggest_parameters(client, params, param):
    assert_canonical_error(client.simulate_get("/suggest", params=params), 400, param)


def test_bad_related_parameters(client):
    path = doc_path(
        "https://meridian-review.example/energy/turkiye-black-sea-gas-pricing",
        "/related",
    )
    assert_canonical_error(
        client.simulate_get(path, params={"limit": "0"}), 400, "limit"
    )
    assert_canonical_error(
        client.simulate_get(path, params={"from": "May"}), 400, "from"
    )


def test_raw_mode_syntax_error_is_400_or_answered(client):
    result = client.simulate_get(
        "/search", params={"q": 'title:"unclosed', "mode": "raw"}
    )
    if result.status_code != 200:
        body = assert_canonical_error(result, 400, "q")
        assert isinstance(body.get("position", 0), int)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("GET", "/documents", 404),
        ("POST", "/search", 405),
        ("DELETE", "/health", 405),
        ("GET", doc_path("no-such-document"), 404),
        ("GET", doc_path("no-such-document", "/related"), 404),
        ("DELETE", doc_path("no-such-document"), 404),
    ],
)
def test_routing_and_missing_documents(client, method, path, status):
    headers = AUTH if method == "DELETE" else None
    assert_canonical_error(
        client.simulate_request(method, path, headers=headers), status
    )


def test_errors_are_json_whatever_the_client_accepts(client):
    for accept in ("text/html", "application/xml", "*/*"):
        result = client.simulate_get("/nowhere", headers={"Accept": accept})
        assert_canonical_error(result, 404)
        result = client.simulate_get(
            "/search", params={"page": "x"}, headers={"Accept": accept}
        )
        assert_canonical_error(result, 400, "page")


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, b"hello", 415),
        ({}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{not json", 400),
        ({"Content-Type": "application/json"}, b"[1, 2]", 400),
        ({"Content-Type": "application/json"}, b"", 400),
        ({"Content-Type": "application/json"}, b'{"id": "other", "title": "t"}', 400),
        ({"Content-Type": "application/json"}, b'{"title": 5}', 400),
        ({"Content-Type": "application/json"}, b'{"tags": "x"}', 400),
        (
            {"Content-Type": "application/json"},
            b'{"title": "t", "published": "soon"}',
            400,
        ),
        (
            {"Content-Type": "application/json"},
            b'{"title": "t", "published": "0001-01-01T00:00:00+14:00"}',
            400,
        ),
        ({"Content-Type": "application/json"}, b'{"a": ' * 100_000, 400),
        ({"Content-Type": "application/json"}, b'{"title": "t", "publshed": ""}', 400),
        ({"Content-Type": "application/json"}, b'{"title": " ", "body": "\\n"}', 400),
        (
            {"Content-Type": "application/json"},
            b'{"title": "t", "word_count": 1.5}',
            400,
        ),
        (
            {"Content-Type": "application/json"},
            b'{"title": "t", "word_count": 4294967296}',
            400,
        ),
        (
            {"Content-Type": "application/json"},
            b'{"title": "t", "content_hash": {}}',
            400,
        ),
        ({"Content-Type": "text/html"}, b"Just some words, no markup at all.", 400),
        ({"Content-Type": "text/html"}, b'{"title": "<b>json</b>"}', 400),
    ],
    ids=[
        "text-plain",
        "no-type",
        "bad-json",
        "array",
        "empty",
        "id-mismatch",
        "title-type",
        "no-title-or-body",
        "bad-date",
        "date-before-year-1-in-utc",
        "nested-too-deeply",
        "unknown-field",
        "blank-title-and-body",
        "fractional-word-count",
        "word-count-over-32-bits",
        "content-hash-type",
        "html-without-markup",
        "json-sent-as-html",
    ],
)
def test_bad_writes(client, headers, body, status):
    result = client.simulate_put(doc_path("w"), body=body, headers={**AUTH, **headers})
    assert_canonical_error(result, status)


def test_write_auth_errors(client, index_dir):
    assert_canonical_error(client.simulate_put(doc_path("w"), json={"title": "t"}), 401)
    no_key = falcon.testing.TestClient(create_app(Config(index=index_dir)))
    assert_canonical_error(
        no_key.simulate_put(doc_path("w"), json={"title": "t"}, headers=AUTH), 403
    )
    assert_canonical_error(no_key.simulate_delete(doc_path("w"), headers=AUTH), 403)


def test_extractor_that_cannot_start_is_503(index_dir):
    config = Config(
        index=index_dir, api_key=API_KEY, extract_command=("/nonexistent/extract",)
    )
    client = falcon.testing.TestClient(create_app(config))
    result = client.simulate_put(
        doc_path("w"), body=b"<p>x</p>", headers={**AUTH, "Content-Type": "text/html"}
    )
    assert_canonical_error(result, 503)


def test_extractor_timeout_is_422(index_dir):
    config = Config(
        index=index_dir,
        api_key=API_KEY,
        extract_timeout=0.5,
        extract_command=(sys.executable, "-c", "import time; time.sleep(5)"),
    )
    client = falcon.testing.TestClient(create_app(config))
    result = client.simulate_put(
        doc_path("w"), body=b"<p>x</p>", headers={**AUTH, "Content-Type": "text/html"}
    )
    body = assert_canonical_error(result, 422)
    assert "longer than" in body["description"]


def test_locked_index_is_503_with_retry_after(tmp_path):
    index_dir = build_index(tmp_path / "index", [make_doc("a", "A title", "A body.")])
    client = falcon.testing.TestClient(
        create_app(Config(index=index_dir, api_key=API_KEY, writer_timeout=0.2))
    )
    ix = whoosh_index.open_dir(str(index_dir))
    writer = ix.writer()  # another process's indexing run holds the lock
    try:
        result = client.simulate_put(doc_path("b"), json={"title": "B"}, headers=AUTH)
        assert_canonical_error(result, 503)
        assert result.headers["retry-after"] == "2"
        assert result.json["title"] == "Index busy"
    finally:
        writer.cancel()
        ix.close()
    result = client.simulate_put(doc_path("b"), json={"title": "B"}, headers=AUTH)
    assert result.status_code == 201


def test_vanished_index_is_503_on_health(tmp_path):
    index_dir = build_index(tmp_path / "index", [make_doc("a", "A title", "A body.")])
    # The engine is closed here, not left to the garbage collector: its open segment
    # files would otherwise warn (an error under filterwarnings) in a later test.
    engine = SearchEngine(index_dir, refresh_interval=0)
    try:
        client = falcon.testing.TestClient(
            create_app(Config(index=index_dir, refresh_interval=0), engine=engine)
        )
        assert client.simulate_get("/health").status_code == 200
        shutil.rmtree(index_dir)
        body = assert_canonical_error(client.simulate_get("/health"), 503)
        assert body["title"].startswith("Index")
    finally:
        engine.close()


@pytest.fixture
def failing_engine():
    return create_autospec(SearchEngine, instance=True)


def test_unexpected_exception_is_a_bare_500(tmp_path, failing_engine, caplog):
    failing_engine.search.side_effect = RuntimeError("secret internals /etc/passwd")
    app = create_app(Config(index=tmp_path), engine=failing_engine)
    with caplog.at_level(logging.ERROR):
        result = falcon.testing.TestClient(app).simulate_get(
            "/search", params={"q": "x"}
        )
    body = assert_canonical_error(result, 500)
    assert "secret" not in result.text
    assert body["title"] == "500 Internal Server Error"


def test_unavailable_index_from_engine_is_503(tmp_path, failing_engine):
    failing_engine.search.side_effect = IndexUnavailableError("index gone")
    failing_engine.put_document.side_effect = IndexLockedError("locked")
    client = falcon.testing.TestClient(
        create_app(Config(index=tmp_path, api_key=API_KEY), engine=failing_engine)
    )
    result = client.simulate_get("/search", params={"q": "x"})
    assert_canonical_error(result, 503)
    assert result.headers["retry-after"]
    assert_canonical_error(
        client.simulate_put(doc_path("x"), json={"title": "t"}, headers=AUTH), 503
    )


def test_schema_mismatch_is_503_without_retry_after(tmp_path, failing_engine):
    from search.errors import SchemaMismatchError

    failing_engine.search.side_effect = SchemaMismatchError("index has schema 1")
    client = falcon.testing.TestClient(
        create_app(Config(index=tmp_path), engine=failing_engine)
    )
    result = client.simulate_get("/search", params={"q": "x"})
    assert_canonical_error(result, 503)
    assert "retry-after" not in result.headers


@pytest.mark.parametrize(
    ("doc_id", "words"),
    [
        ("x" * 513, "at most 512"),
        ("a\x00b", "control"),
        ("tab\there", "control"),
        ("a\x85", "control"),
        (" padded", "white space"),
        ("padded\u3000", "white space"),
    ],
    ids=[
        "513-chars",
        "nul",
        "tab",
        "c1-control",
        "leading-space",
        "trailing-ideographic",
    ],
)
def test_bad_document_ids_are_400_on_every_method(client, doc_id, words):
    for method in ("GET", "PUT", "DELETE"):
        result = client.simulate_request(
            method, doc_path(doc_id), json={"title": "t"}, headers=AUTH
        )
        body = assert_canonical_error(result, 400, "doc_id")
        assert words in body["description"], (method, body)
    related = client.simulate_get(doc_path(doc_id, "/related"))
    assert_canonical_error(related, 400, "doc_id")


def test_ids_at_the_limit_are_accepted(client):
    for doc_id in ("x" * 512, "inner space is fine", "https://example.org/a?b=c"):
        put = client.simulate_put(doc_path(doc_id), json={"title": "t"}, headers=AUTH)
        assert put.status_code in (200, 201), put.text
        assert client.simulate_get(doc_path(doc_id)).json["id"] == doc_id
        assert client.simulate_delete(doc_path(doc_id), headers=AUTH).status_code == 204


def test_invalid_utf8_in_an_id_is_400(client):
    result = client.simulate_get("/documents/%FF%FE")
    assert_canonical_error(result, 400, "doc_id")


def test_dates_before_year_1000_round_trip(client):
    body = {"title": "Old", "published": "0825-08-26T03:00:49-00:11"}
    put = client.simulate_put(doc_path("old-doc"), json=body, headers=AUTH)
    assert put.status_code in (200, 201), put.text
    assert put.json["document"]["published"] == "0825-08-26T03:11:49Z"
    client.simulate_delete(doc_path("old-doc"), headers=AUTH)
