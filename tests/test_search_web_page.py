"""The reader's search page: served routes, and the page driven in headless Chromium.

The browser tests run Debian's Chromium through Playwright against a real waitress
process on a free loopback port, serving an index of ``examples/articles`` built once
with ``analysis-search index``. Expected figures (totals, facet counts, related posts)
are read from the same service's JSON API, so the tests follow the example corpus as
it grows. The browser context aborts every request to a host other than the loopback
server. Screenshots of a results page go to ``docs/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

import falcon
import falcon.testing
import pytest
from service_support import start_server

from search.config import Config
from search.web import page as search_page

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
STARTUP_SECONDS = 30
#: Generous wait for the page to react (debounce + a search on a shared 2-core box).
UI_TIMEOUT_MS = 10_000
#: Facet values the page shows before "Show all" (search.js FACET_VISIBLE).
FACET_VISIBLE = 8
#: Tags shown on a result before "+N" (search.js RESULT_TAGS).
RESULT_TAGS = 8
#: A query that cannot be markup-safe unless the page inserts it as text.
HOSTILE_QUERY = (
    '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
)


# ---------------------------------------------------------------------------
# Routes of search.web.page on a bare Falcon app (no engine needed)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_client() -> falcon.testing.TestClient:
    """A Falcon app with only the page routes."""
    app = falcon.App()
    search_page.add_routes(app, Config())
    return falcon.testing.TestClient(app)


def test_page_is_html_with_opensearch_link_and_versioned_assets(page_client):
    result = page_client.simulate_get("/")
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/html")
    assert result.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in result.headers["content-security-policy"]
    text = result.text
    assert (
        '<link rel="search" type="application/opensearchdescription+xml"'
        ' title="Search" href="/opensearch.xml">'
    ) in text
    assert "{{" not in text
    assert re.search(r'src="/static/search\.js\?v=[0-9a-f]{12}"', text)
    assert re.search(r'href="/static/search\.css\?v=[0-9a-f]{12}"', text)
    # no CDN, no external fonts: every asset reference is local
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert 'role="combobox"' in text and 'role="listbox"' in text


def test_page_under_a_mount_point_uses_its_root(page_client):
    result = page_client.simulate_get("/", extras={"SCRIPT_NAME": "/find"})
    assert 'href="/find/opensearch.xml"' in result.text
    assert 'data-root="/find"' in result.text


def test_opensearch_description_uses_the_request_host(page_client):
    result = page_client.simulate_get(
        "/opensearch.xml", host="search.example.org", protocol="https"
    )
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/opensearchdescription+xml"
    text = result.text
    assert 'template="https://search.example.org/?q={searchTerms}"' in text
    assert (
        'type="application/x-suggestions+json" method="get" template="https://'
        'search.example.org/suggest?q={searchTerms}&amp;format=opensearch"'
    ) in text
    assert "<ShortName>Search</ShortName>" in text


def test_head_requests_answer_like_get(page_client):
    for path in ("/", "/opensearch.xml"):
        head = page_client.simulate_head(path)
        assert head.status_code == 200, path
        get = page_client.simulate_get(path)
        assert head.headers["content-type"] == get.headers["content-type"]


def test_site_name_from_the_configuration_is_escaped():
    app = falcon.App()
    search_page.add_routes(app, SimpleNamespace(site_name="Meridian <Review> & Co"))
    client = falcon.testing.TestClient(app)
    assert (
        "<title>Meridian &lt;Review&gt; &amp; Co</title>"
        in client.simulate_get("/").text
    )
    xml = client.simulate_get("/opensearch.xml").text
    root = ElementTree.fromstring(xml)
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert root.findtext("os:ShortName", namespaces=ns) == "Meridian <Review"
    assert root.findtext("os:Description", namespaces=ns) == (
        "Search the articles of Meridian <Review> & Co"
    )


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("search.js", "text/javascript"),
        ("search.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files_have_types_and_caching(page_client, name, media_type):
    result = page_client.simulate_get(f"/static/{name}")
    assert result.status_code == 200
    assert result.headers["content-type"].split(";")[0] == media_type
    assert result.headers["cache-control"] == search_page.STATIC_CACHE_CONTROL
    assert result.headers["x-content-type-options"] == "nosniff"
    again = page_client.simulate_get(
        f"/static/{name}", headers={"If-None-Match": result.headers["etag"]}
    )
    assert again.status_code == 304


def test_static_route_does_not_leave_its_folder(page_client):
    assert page_client.simulate_get("/static/../page.py").status_code == 404
    assert page_client.simulate_get("/static/nope.js").status_code == 404


def test_page_script_never_parses_service_strings_as_html():
    """The one rule for markup from the service: no innerHTML/outerHTML/eval at all."""
    script = (search_page.STATIC_DIR / "search.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "eval(",
        "document.write",
    ):
        assert sink not in code, sink


# ---------------------------------------------------------------------------
# A real service over the example articles
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_index(tmp_path_factory) -> Path:
    """``examples/articles`` indexed once with the real ``analysis-search index``."""
    if not any(EXAMPLES.glob("*.htm*")):
        pytest.skip(f"no example articles in {EXAMPLES}")
    index_dir = tmp_path_factory.mktemp("page-index") / "index"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis_search_cli",
            "index",
            str(EXAMPLES),
            "--index",
            str(index_dir),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr
    return index_dir


def _get(url: str, timeout: float = 5) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.fixture(scope="module")
def server_url(example_index, tmp_path_factory) -> Iterator[str]:
    """A waitress subprocess serving the app on a free loopback port."""
    server = start_server(
        {
            "ANALYSIS_SEARCH_INDEX": str(example_index),
            "ANALYSIS_SEARCH_LOG_LEVEL": "WARNING",
        },
        tmp_path_factory.mktemp("page-logs"),
        command=[
            "-m",
            "waitress",
            "--listen=127.0.0.1:{port}",
            "--threads=4",
            "--call",
            "search.web.app:create_app",
        ],
        deadline_s=STARTUP_SECONDS,
    )
    try:
        yield server.url
    finally:
        server.stop()


class API:
    """The service's JSON API, read to know what the page should show."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params, doseq=True)
        status, body = _get(f"{self.base}{path}?{query}")
        assert status == 200, (path, params, status)
        return body

    def search(self, **params: Any) -> dict[str, Any]:
        params.setdefault("per_page", 10)
        params.setdefault("facets", "tags,authors,section,year")
        return self.get("/search", **params)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def api(server_url) -> API:
    return API(server_url)


@pytest.fixture(scope="module")
def corpus(api) -> dict[str, Any]:
    """Facts about the example corpus the browser tests rely on."""
    everything = api.search(q="", per_page=100)
    assert everything["total"] >= 4, "the browser tests need 4+ indexed examples"
    return everything


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):  # CI must run them: .ci/run installs chromium
            pytest.fail("chromium is not installed; the browser tests need it")
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium; .ci/run "
            "does it); the browser tests need it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


class PageSession:
    """A browser page plus what it tried to fetch off loopback and its JS errors."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []

    def open(self, query: str = "") -> None:
        self.page.goto(self.base + "/" + (("?" + query) if query else ""))
        self.wait_idle()

    def wait_idle(self) -> None:
        """Wait until no search is in flight and the status line is written."""
        self.page.wait_for_function(
            "() => !document.getElementById('main').hasAttribute('aria-busy')"
            " && document.getElementById('status').textContent !== ''",
            timeout=UI_TIMEOUT_MS,
        )

    def params(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.page.url).query)

    def result_ids(self) -> list[str]:
        return self.page.eval_on_selector_all(
            ".result", "nodes => nodes.map(n => n.dataset.id)"
        )


def _new_session(browser: Any, server_url: str, **context_args: Any) -> PageSession:
    context = browser.new_context(**context_args)
    context.set_default_timeout(UI_TIMEOUT_MS)
    session = PageSession(context.new_page(), server_url)

    def only_loopback(route: Any) -> None:
        host = urllib.parse.urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            session.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    session.page.on("pageerror", lambda error: session.errors.append(str(error)))
    return session


@pytest.fixture
def session(browser, server_url) -> Iterator[PageSession]:
    s = _new_session(browser, server_url, viewport={"width": 1280, "height": 900})
    yield s
    s.page.context.close()
    assert s.errors == [], s.errors
    assert s.blocked == [], s.blocked


def _expected_ids(body: dict[str, Any]) -> list[str]:
    return [hit["id"] for hit in body["hits"]]


def _first_word_query(corpus: dict[str, Any], api: API) -> str:
    """A word from a title that finds several articles (a realistic query)."""
    best = ("", 0)
    for hit in corpus["hits"]:
        for word in re.findall(r"[A-Za-z]{5,}", hit["title"]):
            total = api.search(q=word.lower(), facets="")["total"]
            if total > best[1] and total < corpus["total"]:
                best = (word.lower(), total)
            if best[1] >= 3:
                return best[0]
    assert best[0], "no title word finds articles"
    return best[0]


@pytest.fixture(scope="module")
def query_word(corpus, api) -> str:
    return _first_word_query(corpus, api)


@pytest.mark.e2e
def test_opensearch_urls_work_against_the_real_service(server_url, query_word):
    """The description's URLs, filled in as a browser would, answer as promised."""
    with urllib.request.urlopen(server_url + "/opensearch.xml", timeout=5) as response:
        assert response.headers["Content-Type"] == search_page.OPENSEARCH_MEDIA_TYPE
        root = ElementTree.fromstring(response.read())
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    urls = {u.get("type"): u.get("template") for u in root.findall("os:Url", ns)}
    html_url = urls["text/html"].replace("{searchTerms}", query_word)
    assert html_url == f"{server_url}/?q={query_word}"
    with urllib.request.urlopen(html_url, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/html")
    suggest_url = urls["application/x-suggestions+json"].replace(
        "{searchTerms}", query_word[:3]
    )
    status, body = _get(suggest_url)
    assert status == 200
    assert body[0] == query_word[:3] and isinstance(body[1], list) and body[1]


# ---------------------------------------------------------------------------
# The page in Chromium
# ---------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.browser
def test_typing_a_query_shows_highlighted_results(session, api, query_word):
    page = session.page
    session.open()
    entries = page.evaluate("history.length")
    page.get_by_role("combobox", name="Search articles").press_sequentially(
        query_word, delay=40
    )
    page.wait_for_function(
        "q => new URL(location.href).searchParams.get('q') === q", arg=query_word
    )
    session.wait_idle()
    expected = api.search(q=query_word)
    assert session.result_ids() == _expected_ids(expected)
    assert page.locator(".result-title mark").count() > 0
    marked = page.locator(".result-title mark, .snippet mark").all_text_contents()
    assert any(query_word[:4] in text.lower() for text in marked)
    status = page.locator("#status").text_content() or ""
    total = expected["total"]
    assert f"{total} result" in status and f"\u201c{query_word}\u201d" in status
    assert re.search(r"\(\d+(\.\d)? ms\)", status)
    first = expected["hits"][0]
    card = page.locator(".result").first
    if first["authors"]:
        assert first["authors"][0] in card.locator(".result-authors").text_content()
    if first["published"]:
        assert card.locator("time").get_attribute("datetime") == first["published"]
    for tag in first["tags"][:RESULT_TAGS]:
        assert card.locator(".tags a", has_text=tag).count() >= 1
    assert card.locator(".snippet").count() == max(len(first["snippets"]), 1)
    # the page is live: the whole search went through one history entry
    assert page.evaluate("history.length") == entries + 1


@pytest.mark.e2e
@pytest.mark.browser
def test_pick_a_suggestion_with_the_keyboard(session, api, query_word):
    page = session.page
    prefix = query_word[:3]
    offered = api.get("/suggest", q=prefix, limit=8)
    terms = [i for i, s in enumerate(offered) if s["kind"] == "term"]
    assert terms, f"no term suggestion for {prefix!r}: {offered}"
    session.open()
    box = page.get_by_role("combobox", name="Search articles")
    box.press_sequentially(prefix, delay=40)
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "suggestions"
    options = listbox.get_by_role("option")
    assert options.count() == len(offered)
    # Down past the wanted option, then Up back to it; the box keeps the focus
    for _ in range(terms[0] + 2):
        box.press("ArrowDown")
    box.press("ArrowUp")
    wanted = options.nth(terms[0])
    assert wanted.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == wanted.get_attribute("id")
    assert page.evaluate("document.activeElement.id") == "q"
    # Escape closes the list, ArrowDown opens it again
    box.press("Escape")
    expect_hidden(listbox)
    assert box.get_attribute("aria-expanded") == "false"
    for _ in range(terms[0] + 1):
        box.press("ArrowDown")
    text = offered[terms[0]]["text"]
    box.press("Enter")
    expect_hidden(listbox)
    page.wait_for_function(
        "q => new URL(location.href).searchParams.get('q') === q", arg=text
    )
    session.wait_idle()
    assert box.input_value() == text
    assert session.result_ids() == _expected_ids(api.search(q=text))


@pytest.mark.e2e
@pytest.mark.browser
def test_an_article_suggestion_opens_the_article(session, api, query_word):
    page = session.page
    prefix = query_word[:4]
    offered = api.get("/suggest", q=prefix, limit=8)
    titles = [i for i, s in enumerate(offered) if s["kind"] == "title" and s["url"]]
    assert titles, f"no article suggestion for {prefix!r}: {offered}"
    session.open()
    box = page.get_by_role("combobox", name="Search articles")
    box.press_sequentially(prefix, delay=40)
    option = page.get_by_role("option").nth(titles[0])
    option.wait_for()
    assert "Article" in option.text_content()
    for _ in range(titles[0] + 1):
        box.press("ArrowDown")
    url = offered[titles[0]]["url"]
    with page.expect_request(lambda request: request.url == url):
        box.press("Enter")
    # the route handler kept the browser on loopback: forget that one article URL
    assert session.blocked == [url]
    session.blocked.clear()


def expect_hidden(locator: Any) -> None:
    locator.wait_for(state="hidden", timeout=UI_TIMEOUT_MS)


def _facet_counts(page: Any, param: str) -> dict[str, int]:
    return {
        row["value"]: row["count"]
        for row in page.eval_on_selector_all(
            f"input[type=checkbox][name={param}]",
            """boxes => boxes.map(b => ({value: b.value, count: parseInt(
                b.closest('label').querySelector('.facet-count').textContent
                .replace(/,/g, ''), 10)}))""",
        )
    }


def _api_counts(body: dict[str, Any], facet: str, shown: set[str]) -> dict[str, int]:
    return {
        v["value"]: v["count"]
        for v in body["facets"][facet]["values"]
        if v["value"] in shown
    }


def _two_tags(api: API, q: str) -> tuple[str, str]:
    """Two tags shown in the sidebar (not behind "Show all"), the rarest of them."""
    values = api.search(q=q)["facets"]["tags"]["values"][:FACET_VISIBLE]
    assert len(values) >= 2, "the examples need two tags for the facet tests"
    first, second = sorted(values, key=lambda v: (v["count"], v["value"]))[:2]
    return first["value"], second["value"]


def _checkbox(page: Any, value: str) -> Any:
    """The facet checkbox of ``value`` (its name is the value and its count)."""
    name = re.compile("^" + re.escape(value) + r" [\d,]+$")
    return page.get_by_role("checkbox", name=name)


@pytest.mark.e2e
@pytest.mark.browser
def test_ticking_two_tags_updates_results_and_counts(session, api, corpus):
    page = session.page
    session.open()
    first, second = _two_tags(api, "")
    before = session.result_ids()
    counts_before = _facet_counts(page, "tag")
    assert counts_before == _api_counts(corpus, "tags", set(counts_before))
    authors_before = _facet_counts(page, "author")

    # keyboard only: focus the checkbox and press Space
    _checkbox(page, first).focus()
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.getAll('tag').length === 1"
    )
    session.wait_idle()
    one = api.search(q="", tag=[first])
    assert session.result_ids() == _expected_ids(one)
    assert session.result_ids() != before
    # focus stays on the ticked box after the sidebar re-renders
    assert page.evaluate("document.activeElement.value") == first

    _checkbox(page, second).check()
    page.wait_for_function(
        "() => new URL(location.href).searchParams.getAll('tag').length === 2"
    )
    session.wait_idle()
    both = api.search(q="", tag=[first, second])
    assert session.params()["tag"] == [first, second]
    assert session.result_ids() == _expected_ids(both)
    assert f"{both['total']} article" in (page.locator("#status").text_content() or "")
    counts = _facet_counts(page, "tag")
    assert counts == _api_counts(both, "tags", set(counts))
    author_counts = _facet_counts(page, "author")
    assert author_counts == _api_counts(both, "authors", set(author_counts))
    assert author_counts != authors_before
    chips = page.locator("#chip-list .chip")
    assert chips.count() == 2
    assert _checkbox(page, first).is_checked()


@pytest.mark.e2e
@pytest.mark.browser
def test_removing_a_chip_and_clear_all(session, api):
    page = session.page
    first, second = _two_tags(api, "")
    session.open(urllib.parse.urlencode({"tag": [first, second]}, doseq=True))
    assert page.locator("#chip-list .chip").count() == 2
    page.get_by_role("button", name=f"Remove filter Tag: {first}").click()
    page.wait_for_function(
        "() => new URL(location.href).searchParams.getAll('tag').length === 1"
    )
    session.wait_idle()
    assert session.params()["tag"] == [second]
    assert page.locator("#chip-list .chip").count() == 1
    assert not _checkbox(page, first).is_checked()
    assert session.result_ids() == _expected_ids(api.search(q="", tag=[second]))
    # focus moved to the remaining chip, so keyboard users can keep removing
    assert page.evaluate("document.activeElement.className") == "chip"

    page.get_by_role("button", name="Clear all").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('tag')")
    session.wait_idle()
    assert page.locator("#chips").is_hidden()
    assert session.result_ids() == _expected_ids(api.search(q=""))


@pytest.mark.e2e
@pytest.mark.browser
def test_paging_forward_and_back(session, api, corpus):
    page = session.page
    per_page = max(1, min(3, corpus["total"] // 2))
    session.open(f"per_page={per_page}")
    page_one = session.result_ids()
    assert page_one == _expected_ids(api.search(q="", per_page=per_page))
    nav = page.get_by_role("navigation", name="Pages of results")
    assert (
        nav.get_by_role("link", name="Page 1", exact=True).get_attribute("aria-current")
        == "page"
    )
    nav.get_by_role("link", name="Next").click()
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('page') === '2'"
    )
    session.wait_idle()
    page_two = session.result_ids()
    assert page_two == _expected_ids(api.search(q="", per_page=per_page, page=2))
    assert page_two != page_one
    assert (
        nav.get_by_role("link", name="Page 2", exact=True).get_attribute("aria-current")
        == "page"
    )
    assert page.evaluate("document.activeElement.id") == "results-heading"

    page.go_back()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('page')")
    session.wait_idle()
    assert session.result_ids() == page_one
    page.go_forward()
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('page') === '2'"
    )
    session.wait_idle()
    assert session.result_ids() == page_two


@pytest.mark.e2e
@pytest.mark.browser
def test_sort_newest_is_in_the_url(session, api, query_word):
    page = session.page
    session.open(urllib.parse.urlencode({"q": query_word}))
    page.get_by_label("Sort by").select_option("newest")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('sort') === 'newest'"
    )
    session.wait_idle()
    assert session.result_ids() == _expected_ids(
        api.search(q=query_word, sort="newest")
    )


def _misspelling(api: API, query_word: str) -> tuple[str, str]:
    """A misspelled query for which the service offers a correction."""
    word = query_word
    candidates = [
        word[:2] + word[3] + word[2] + word[4:],  # swapped letters
        word[:-2] + word[-1],  # dropped letter
        word[:3] + "q" + word[4:],  # wrong letter
        word + word[-1] + "x",
        word[:2] + word[3] + word[2] + word[4:-1] + "x",  # two typos: past matching
    ]
    for candidate in candidates:
        body = api.search(q=candidate)
        if body["did_you_mean"]:
            return candidate, body["did_you_mean"]
    pytest.fail(f"the service offers no correction for any of {candidates}")


@pytest.mark.e2e
@pytest.mark.browser
def test_following_did_you_mean(session, api, query_word):
    page = session.page
    wrong, corrected = _misspelling(api, query_word)
    session.open(urllib.parse.urlencode({"q": wrong}))
    link = page.locator(".did-you-mean a").first
    assert link.text_content() == corrected
    link.click()
    page.wait_for_function(
        "q => new URL(location.href).searchParams.get('q') === q", arg=corrected
    )
    session.wait_idle()
    assert (
        page.get_by_role("combobox", name="Search articles").input_value() == corrected
    )
    assert session.result_ids() == _expected_ids(api.search(q=corrected))


@pytest.mark.e2e
@pytest.mark.browser
def test_zero_results_explain_how_to_broaden(session, api, corpus):
    page = session.page
    tag = corpus["facets"]["tags"]["values"][0]["value"]
    session.open(urllib.parse.urlencode({"q": "zzqxv", "tag": tag}))
    empty = page.locator("#empty")
    assert empty.is_visible()
    assert "No results for \u201czzqxv\u201d" in empty.text_content()
    assert "filter" in empty.text_content()
    empty.get_by_role("link", name=re.compile("without the 1 filter")).click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('tag')")
    session.wait_idle()
    assert session.params() == {"q": ["zzqxv"]}


@pytest.mark.e2e
@pytest.mark.browser
def test_a_refused_search_shows_the_services_reason(session):
    session.open("q=the&page=999&per_page=100")
    alert = session.page.get_by_role("alert")
    assert "1,000th" in alert.text_content()
    assert session.page.locator(".result").count() == 0


@pytest.mark.e2e
@pytest.mark.browser
def test_a_pinned_article_is_shown_as_the_editors_pick(
    session, api, corpus, example_index
):
    pinned = corpus["hits"][-1]
    settings = example_index / "settings.json"
    settings.write_text(json.dumps({"pinned": {"quokka census": [pinned["id"]]}}))
    try:
        deadline = time.monotonic() + 10  # every worker sees it at its next request
        while not api.search(q="Census quokka")["hits"]:
            assert time.monotonic() < deadline, "the settings file was not re-read"
            time.sleep(0.2)
        session.open("q=census+quokka")
        assert session.result_ids() == [pinned["id"]]
        card = session.page.locator(".result").first
        assert card.locator(".result-pinned").text_content() == "Editors' pick"
    finally:
        settings.unlink()
    deadline = time.monotonic() + 10
    while api.search(q="quokka census")["hits"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.e2e
@pytest.mark.browser
def test_the_language_filter_and_each_results_lang(session, api):
    page = session.page
    session.open()
    # the examples hold four languages: the filter is there, named for readers
    counts = _facet_counts(page, "language")
    everything = api.search(q="", facets="language")
    assert counts == _api_counts(everything, "language", set(counts))
    assert set(counts) == {"en", "de", "fr", "es"}
    legend = page.locator("fieldset.facet legend", has_text="Language")
    labels = legend.locator("xpath=..").locator(".facet-label").all_text_contents()
    assert "German" in labels and "de" not in labels
    # every result says its language
    langs = page.eval_on_selector_all(".result article", "els => els.map(e => e.lang)")
    assert langs == [h["language"] for h in everything["hits"]]
    _checkbox(page, "German").check()
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('language') === 'de'"
    )
    session.wait_idle()
    german = api.search(q="", language=["de"], facets="language")
    assert session.result_ids() == _expected_ids(german)
    assert page.locator(".result article").first.get_attribute("lang") == "de"
    chip = page.locator("#chip-list .chip").first
    assert "German" in (chip.text_content() or "")
    # a query in one language: the filter is not offered for a single language
    session.open("q=Stadtwerk")
    assert page.locator(".result article").first.get_attribute("lang") == "de"
    assert _facet_counts(page, "language") == {}


@pytest.mark.e2e
@pytest.mark.browser
def test_related_posts_open_under_a_result(session, api, query_word):
    page = session.page
    session.open(urllib.parse.urlencode({"q": query_word}))
    first = api.search(q=query_word)["hits"][0]
    related = api.get(
        "/documents/" + urllib.parse.quote(first["id"], safe="") + "/related", limit=5
    )["hits"]
    toggle = page.locator(".result").first.get_by_role("button", name="Related posts")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    panel = page.locator("#" + toggle.get_attribute("aria-controls"))
    panel.locator(
        ".related-list, .related-message:not(:has-text('Loading'))"
    ).first.wait_for()
    titles = panel.locator(".related-list li > :first-child").all_text_contents()
    assert titles == [hit["title"] for hit in related]
    assert first["title"] not in titles
    toggle.click()
    assert panel.is_hidden()


@pytest.mark.e2e
@pytest.mark.browser
def test_a_script_in_the_query_is_shown_as_text(session):
    page = session.page
    session.open()
    page.get_by_role("combobox", name="Search articles").fill(HOSTILE_QUERY)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "q => new URL(location.href).searchParams.get('q') === q", arg=HOSTILE_QUERY
    )
    session.wait_idle()
    assert HOSTILE_QUERY in (page.locator("#status").text_content() or "")
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main script").count() == 0
    # straight from a shared link too
    session.open(urllib.parse.urlencode({"q": HOSTILE_QUERY}))
    assert HOSTILE_QUERY in (page.locator("#status").text_content() or "")
    assert page.evaluate("window.__xss") is None
    assert page.title().startswith(HOSTILE_QUERY)


@pytest.mark.e2e
@pytest.mark.browser
def test_screenshots_desktop_and_phone(browser, server_url, api, query_word):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    query = urllib.parse.urlencode({"q": query_word})

    desktop = _new_session(
        browser, server_url, viewport={"width": 1280, "height": 1000}
    )
    desktop.open(query)
    desktop.page.locator(".result").first.get_by_role(
        "button", name="Related posts"
    ).click()
    desktop.page.locator(".related-list").first.wait_for()
    desktop.page.locator("#q").blur()
    desktop.page.screenshot(path=str(SCREENSHOTS / "search-desktop.png"))
    assert desktop.page.locator("#filters-toggle").is_hidden()
    assert desktop.page.locator("#facets").is_visible()
    desktop.page.context.close()

    phone = _new_session(
        browser,
        server_url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    phone.open(query)
    toggle = phone.page.get_by_role("button", name=re.compile("^Filters"))
    assert toggle.is_visible()
    assert phone.page.locator("#facets").is_hidden()
    # nothing is wider than the screen
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.page.screenshot(path=str(SCREENSHOTS / "search-phone.png"))
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.page.locator("#facets").is_visible()
    phone.page.context.close()
    for s in (desktop, phone):
        assert s.errors == [] and s.blocked == []
    for name in ("search-desktop.png", "search-phone.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000
