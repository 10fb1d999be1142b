"""``/openapi.json`` stays true: real responses are validated against its schemas."""

from __future__ import annotations

import re

import falcon.testing
import jsonschema
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
from search.web.routes import API_ROUTES

AUTH = {"Authorization": f"Bearer {API_KEY}"}
TURKIYE = "https://meridian-review.example/energy/turkiye-black-sea-gas-pricing"


@pytest.fixture(scope="module")
def spec(client):
    return client.simulate_get("/openapi.json").json


@pytest.fixture
def write_client(tmp_path):
    index_dir = build_index(tmp_path / "index", [make_doc("a", "Gas", "Gas hub.")])
    return falcon.testing.TestClient(
        create_app(Config(index=index_dir, api_key=API_KEY))
    )


def check(spec, result, template: str, method: str = "get") -> None:
    """Assert that ``result`` is a documented response of the operation."""
    operation = spec["paths"][template][method]
    status = str(result.status_code)
    assert status in operation["responses"], (template, method, status)
    response = operation["responses"][status]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    if not result.content:
        assert "content" not in response
        return
    media_type = result.headers["content-type"].split(";")[0]
    assert media_type in response["content"], (template, status, media_type)
    schema = {
        **response["content"][media_type]["schema"],
        "components": spec["components"],
    }
    jsonschema.Draft202012Validator(schema).validate(result.json)


def test_the_document_is_openapi_31_with_valid_schemas(spec):
    assert spec["openapi"] == "3.1.0"
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_route_and_method_is_documented(spec, client):
    for route in API_ROUTES:
        assert route in spec["paths"], route
    app = client.app
    for route in API_ROUTES:
        resource = app._router.find(route.replace("{doc_id}", "x"))[0]
        methods = {
            m.lower()
            for m in ("GET", "PUT", "DELETE", "POST", "PATCH")
            if hasattr(resource, f"on_{m.lower()}")
        }
        documented = set(spec["paths"][route]) - {"parameters"}
        assert methods == documented, route


def test_every_path_parameter_is_declared(spec):
    for template, item in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", template))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert names == declared, template


@pytest.mark.parametrize(
    "params",
    [
        {"q": "gas"},
        {"q": ""},
        {"q": "gas", "tag": "Energy", "year": ["2023", "2020"], "sort": "newest"},
        {"q": "central banks", "facets": "tags,month", "facet_size": 3},
        {"q": "qqqzzzxx"},
        {"q": "turkstrem"},
        {"q": '"black sea" -grain', "boost": "recent", "per_page": 2, "page": 2},
        {"q": "title:gas", "mode": "raw"},
    ],
    ids=["simple", "empty", "filters", "facets", "nothing", "typo", "phrase", "raw"],
)
def test_search_responses_match(spec, client, params):
    result = client.simulate_get("/search", params=params)
    assert result.status_code == 200
    check(spec, result, "/search")


def test_opensearch_suggestions_are_query_then_three_equal_lists(client):
    body = client.simulate_get(
        "/suggest", params={"q": "tur", "format": "opensearch"}
    ).json
    query, texts, kinds, urls = body
    assert query == "tur"
    assert texts and len(texts) == len(kinds) == len(urls)
    assert all(isinstance(v, str) for v in texts + kinds + urls)


def test_suggest_responses_match(spec, client):
    check(spec, client.simulate_get("/suggest", params={"q": "tur"}), "/suggest")
    check(
        spec,
        client.simulate_get("/suggest", params={"q": "tur", "format": "opensearch"}),
        "/suggest",
    )


def test_document_and_related_responses_match(spec, client):
    for doc in example_documents()[:5]:
        result = client.simulate_get(doc_path(doc["id"]))
        assert result.status_code == 200
        check(spec, result, "/documents/{doc_id}")
        related = client.simulate_get(doc_path(doc["id"], "/related"))
        check(spec, related, "/documents/{doc_id}/related")
    check(spec, client.simulate_get(doc_path("nope")), "/documents/{doc_id}")
    check(
        spec,
        client.simulate_get(doc_path(TURKIYE, "/related"), params={"limit": "x"}),
        "/documents/{doc_id}/related",
    )


def test_health_and_stats_match(spec, client):
    client.simulate_get("/search", params={"q": "qqqzzzxx"})
    check(spec, client.simulate_get("/health"), "/health")
    check(spec, client.simulate_get("/stats"), "/stats")


def test_write_responses_match(spec, write_client):
    template = "/documents/{doc_id}"
    path = doc_path("https://x.example/a/b")
    doc = {"title": "Hydrogen", "body": "Hydrogen valleys.", "tags": ["Energy"]}
    check(
        spec, write_client.simulate_put(path, json=doc, headers=AUTH), template, "put"
    )
    check(
        spec, write_client.simulate_put(path, json=doc, headers=AUTH), template, "put"
    )
    check(spec, write_client.simulate_put(path, json=doc), template, "put")
    check(
        spec,
        write_client.simulate_put(
            path, body=b"x", headers={**AUTH, "Content-Type": "text/plain"}
        ),
        template,
        "put",
    )
    check(
        spec,
        write_client.simulate_put(path, json={"tags": []}, headers=AUTH),
        template,
        "put",
    )
    check(spec, write_client.simulate_delete(path, headers=AUTH), template, "delete")
    check(spec, write_client.simulate_delete(path, headers=AUTH), template, "delete")


def test_error_responses_match(spec, client):
    check(spec, client.simulate_get("/search", params={"per_page": "x"}), "/search")
    check(spec, client.simulate_get("/search", params={"facets": "colour"}), "/search")
    check(spec, client.simulate_get("/suggest", params={"format": "xml"}), "/suggest")
