"""The write API and privacy: key checks, a limit on guessing, what is shown to whom.

Pins what exists (a constant-time key comparison, 415 on a wrong Content-Type, the
body size limit; the CORS allow-list with its preflight is pinned by
``test_search_web_api.py``) and what is new: a limit
on failed authentications per client address (429 with Retry-After, the address
from X-Forwarded-For only behind a trusted proxy, the right key always accepted),
``frame-ancestors 'none'`` on the page, keys never in the log, and readers' queries
in ``/stats`` only with the key.
"""

from __future__ import annotations

import logging

import falcon.testing
import pytest
from service_support import API_KEY, doc_path

from search.config import Config
from search.web import auth as auth_module
from search.web.app import create_app

AUTH = {"Authorization": f"Bearer {API_KEY}"}
WRONG = {"Authorization": "Bearer wrong-key-000000000000"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(index, **settings) -> falcon.testing.TestClient:
    config = Config(index=index, api_key=API_KEY, **settings)
    return falcon.testing.TestClient(create_app(config))


@pytest.fixture
def writable(tmp_path, examples_index):
    import shutil

    target = tmp_path / "index"
    shutil.copytree(examples_index, target)
    return target


def put(client, headers, addr="203.0.113.5", **extra):
    return client.simulate_put(
        doc_path("sec-doc"),
        json={"title": "t", "body": "b"},
        headers=headers,
        remote_addr=addr,
        **extra,
    )


# --- failed authentication ----------------------------------------------------------
def test_repeated_wrong_keys_get_429_with_retry_after_then_recover(
    writable, monkeypatch
):
    clock = Clock()
    monkeypatch.setattr(auth_module.time, "monotonic", clock)
    client = make_client(writable, auth_failures=3, auth_window=60)
    for _ in range(3):
        assert put(client, WRONG).status_code == 401
    refused = put(client, WRONG)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert set(refused.json) >= {"title", "description"}
    # another address is not affected
    assert put(client, WRONG, addr="198.51.100.7").status_code == 401
    # the right key is always accepted, even from the blocked address
    assert put(client, AUTH).status_code in (200, 201)
    clock.now += 61
    assert put(client, WRONG).status_code == 401  # the window has passed


def test_forwarded_for_counts_only_behind_a_trusted_proxy(writable, monkeypatch):
    monkeypatch.setattr(auth_module.time, "monotonic", Clock())
    client = make_client(
        writable, auth_failures=2, trusted_proxies=("127.0.0.1", "10.0.0.0/8")
    )

    def via_proxy(client_ip, proxy="10.1.2.3"):
        return put(
            client,
            {**WRONG, "X-Forwarded-For": f"{client_ip}, 10.9.9.9"},
            addr=proxy,
        )

    assert via_proxy("192.0.2.1").status_code == 401
    assert via_proxy("192.0.2.1").status_code == 401
    assert via_proxy("192.0.2.1").status_code == 429  # that client, not the proxy
    assert via_proxy("192.0.2.2").status_code == 401
    # an untrusted peer cannot choose its address with the header
    direct = [
        put(client, {**WRONG, "X-Forwarded-For": f"192.0.2.{i}"}, addr="198.51.100.9")
        for i in range(10, 13)
    ]
    assert [r.status_code for r in direct] == [401, 401, 429]


def test_the_key_is_compared_in_constant_time(writable, monkeypatch):
    calls = []
    real = auth_module.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth_module.hmac, "compare_digest", spy)
    client = make_client(writable)
    assert put(client, WRONG).status_code == 401
    assert put(client, AUTH).status_code in (200, 201)
    assert len(calls) == 2 and calls[1] == (API_KEY.encode(), API_KEY.encode())


# --- what exists already, pinned ------------------------------------------------------
def test_a_wrong_content_type_is_415(writable):
    client = make_client(writable)
    result = client.simulate_put(
        doc_path("x"), body=b"title=t", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert result.status_code == 415


def test_a_body_over_the_limit_is_413_before_it_is_read(writable):
    client = make_client(writable, max_body_bytes=1000)
    big = b'{"title": "' + b"x" * 2000 + b'"}'
    result = client.simulate_put(
        doc_path("x"), body=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert result.status_code == 413
    assert "1000" in result.json["description"]


# --- the page, the log, /stats --------------------------------------------------------
def test_the_page_cannot_be_framed(examples_index):
    client = falcon.testing.TestClient(create_app(Config(index=examples_index)))
    page = client.simulate_get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_keys_never_reach_the_log(writable, caplog):
    client = make_client(writable)
    with caplog.at_level(logging.DEBUG):
        put(client, AUTH)
        put(client, WRONG)
        client.simulate_get("/stats", headers=AUTH)
        client.simulate_delete(doc_path("sec-doc"), headers=AUTH)
    assert caplog.records  # the access log did log these requests
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert API_KEY not in text and "wrong-key" not in text


def test_readers_queries_in_stats_only_with_the_key(writable):
    client = make_client(writable)
    client.simulate_get("/search", params={"q": "xqzxqzxqz"})
    public = client.simulate_get("/stats").json
    assert "zero_result_queries" not in public
    assert public["zero_result_counts"]  # the counts stay public
    private = client.simulate_get("/stats", headers=AUTH).json
    assert private["zero_result_queries"][0]["q"] == "xqzxqzxqz"
    assert client.simulate_get("/stats", headers=WRONG).status_code == 401
