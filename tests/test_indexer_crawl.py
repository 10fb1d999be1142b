"""``analysis-search crawl`` against a real HTTP server on loopback (tests/crawl_site):
what is fetched, skipped, indexed and deleted on a first crawl and on re-crawls."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from service_support import stored_ids
from whoosh import index

from indexer import cli
from indexer.commits import CommitPolicy
from indexer.crawl import CrawlOptions, CrawlReport, run
from indexer.crawl.fetch import retry_after_seconds
from indexer.crawl.pagekind import PageInfo, not_an_article
from indexer.crawl.sitemaps import SitemapError, parse_sitemap
from indexer.crawl.state import STATE_FILE, fresh_until

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks/ is not an installed package

from benchmarks.crawl_site import (  # noqa: E402
    CRAWL_DELAY,
    Site,
    article_paths,
    serve,
    standard_site,
)


def crawl(site: Site, index_dir: Path, *starts: str, **kw) -> CrawlReport:
    options = CrawlOptions(
        index_dir=index_dir,
        starts=starts or (f"{site.base}/robots.txt",),
        delay=0.0,
        **{"retries": 2, "commit": CommitPolicy(every=0, seconds=0), **kw},
    )
    return run(options)


def reasons(report: CrawlReport) -> dict[str, str]:
    return {s.source: s.reason for s in report.skipped}


def sources(index_dir: Path) -> set[str]:
    with index.open_dir(str(index_dir)).searcher() as s:
        return {d["source"] for d in s.all_stored_fields()}


def test_first_crawl_then_a_recrawl_that_downloads_almost_nothing(tmp_path):
    site = standard_site()
    articles = article_paths()
    with serve(site):
        base = site.base
        first = crawl(site, tmp_path / "ix")
        why = reasons(first)
        # every article indexed, once, keyed by the page answered from
        assert first.added == len(articles) and first.failures == 0
        assert sources(tmp_path / "ix") == {base + p for p in articles}
        assert len(stored_ids(index.open_dir(str(tmp_path / "ix")))) == len(articles)
        # robots.txt: the disallowed page is never requested
        assert why[f"{base}/private/secret/"] == "robots.txt: disallowed"
        # ... nor through a redirect: checked before the redirect is followed
        assert why[f"{base}/members/"] == (
            f"robots.txt: disallowed (redirected to {base}/private/secret/)"
        )
        assert not site.requests_to("/private/secret/")
        # a 404, a tag listing, a redirect to a page already crawled
        assert why[f"{base}/gone/"].startswith("HTTP 404")
        assert why[f"{base}/tag/energy/"].startswith("not an article: a listing")
        assert why[f"{base}/old/moved/"].startswith("duplicate") or (
            f"{base}/old/moved/" not in why
        )
        # the 500 recovered; the 429 was retried after its Retry-After
        (flaky,) = site.fail_once
        assert [r.status for r in site.requests_to(flaky)] == [500, 200]
        (busy,) = site.busy_once
        tries = site.requests_to(busy)
        assert [r.status for r in tries] == [429, 200]
        assert tries[1].started - tries[0].started >= 0.95
        # polite: robots.txt read first, the crawl delay kept, a clear User-Agent
        assert site.log[0].path == "/robots.txt"
        starts = sorted(r.started for r in site.log)
        gaps = sorted(b - a for a, b in zip(starts, starts[1:], strict=False))
        # paced at the client; the server sees the threads' wake-up jitter
        assert gaps[len(gaps) // 2] >= CRAWL_DELAY * 0.9
        assert starts[-1] - starts[0] >= (len(starts) - 1) * CRAWL_DELAY * 0.95
        agent = site.log[-1].headers["User-Agent"]
        assert agent.startswith("analysis-search/") and "crawler" in agent
        first_pages = len(site.page_requests())

        site.log.clear()
        again = crawl(site, tmp_path / "ix")
        assert (again.added, again.updated, again.deleted) == (0, 0, 0)
        # the articles and the redirect to one of them, each a 304
        assert again.not_modified == len(articles) + 1
        assert again.fetched == 1  # the tag page (and nothing else) has a body
        pages = site.page_requests()
        assert len(pages) == len(articles) + 1 <= first_pages
        assert all(r.headers.get("If-None-Match") for r in pages)
        assert again.bytes < first.bytes / 10


def test_recrawl_updates_changed_pages_deletes_gone_and_prunes_unlisted(tmp_path):
    site = standard_site()
    with serve(site):
        crawl(site, tmp_path / "ix")
        names = sorted(site.pages)
        changed, removed, unlisted = names[3], names[4], names[5]
        site.pages[changed] = site.pages[changed].replace(
            b"</body>", b"<p>A correction was added to this analysis.</p></body>", 1
        )
        del site.pages[removed]  # answers 404 now
        site.listed.discard(unlisted)  # still served, but not in the sitemap
        without_prune = crawl(site, tmp_path / "ix")
        assert without_prune.updated == 1 and without_prune.deleted == 1
        held = sources(tmp_path / "ix")
        assert site.base + removed not in held and site.base + unlisted in held
        pruned = crawl(site, tmp_path / "ix", prune=True)
        assert pruned.deleted == 1
        assert site.base + unlisted not in sources(tmp_path / "ix")
        assert len(sources(tmp_path / "ix")) == len(site.pages) - 1


def test_pages_fresh_by_cache_control_are_not_requested_again(tmp_path):
    site = standard_site()
    site.max_age = 3600
    with serve(site):
        crawl(site, tmp_path / "ix")
        site.log.clear()
        again = crawl(site, tmp_path / "ix")
        assert again.fresh == len(site.pages) + 1  # and the redirect
        assert site.page_requests() == []
        state = json.loads((tmp_path / "ix" / STATE_FILE).read_text())
        assert all(
            e["fresh_until"] for u, e in state["urls"].items() if "/articles/" in u
        )
        # a sitemap lastmod newer than the last fetch: asked for again, in full
        (touched, *_) = sorted(site.pages)
        site.lastmod[touched] = "2099-01-01T00:00:00Z"
        site.log.clear()
        third = crawl(site, tmp_path / "ix")
        assert [(r.path, r.status) for r in site.page_requests()] == [(touched, 200)]
        assert "If-None-Match" not in site.page_requests()[0].headers
        assert third.fresh == len(site.pages) and third.unchanged == 1


def test_link_crawl_from_the_home_page_with_scope_limits(tmp_path):
    site = standard_site()
    with serve(site):
        home = f"{site.base}/"
        report = crawl(
            site,
            tmp_path / "ix",
            home,
            exclude=(f"{site.base}/articles/b*",),
            max_depth=1,
        )
        why = reasons(report)
        assert why[home] == "not an article: the home page"
        expected = {p for p in site.pages if not p.startswith("/articles/b")}
        assert sources(tmp_path / "ix") == {site.base + p for p in expected}
        assert any(r.endswith("matches --exclude") for r in why.values())
        assert not [r for r in site.log if r.path.startswith("/articles/b")]
        limited = crawl(site, tmp_path / "limited", home, max_pages=5)
        assert limited.pages == 5 and not limited.complete


def test_cli_crawl_prints_a_summary_and_json(tmp_path, capsys):
    site = standard_site()
    with serve(site):
        args = ["crawl", f"{site.base}/sitemap_index.xml", "--index", str(tmp_path)]
        status = cli.main([*args, "--delay", "0", "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert status == 0
    assert report["added"] == len(site.pages)
    assert report["skipped_by_reason"]["robots.txt"] == 2  # directly, by redirect
    assert "fetched" in err and "not modified" in err and "skipped" in err
    assert cli.main(["crawl", "ftp://example.org/", "--index", str(tmp_path)]) == 2


def test_kill_9_mid_crawl_keeps_the_last_commit_and_the_next_crawl_resumes(
    tmp_path,
):
    site = standard_site()
    ix = tmp_path / "ix"
    with serve(site):
        cmd = [sys.executable, "-m", "indexer", "crawl", f"{site.base}/robots.txt"]
        cmd += ["--index", str(ix), "--delay", "0.1", "--commit-every", "5", "--quiet"]
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": os.getcwd()})
        deadline = time.monotonic() + 60
        while not (ix / STATE_FILE).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = json.loads((ix / STATE_FILE).read_text())
        held = stored_ids(index.open_dir(str(ix)))
        assert 0 < len(held) < len(site.pages)
        # the state never claims a page the index does not hold
        assert {e["id"] for e in state["urls"].values() if e["id"]} <= held
        site.log.clear()
        resumed = crawl(site, ix)
        assert resumed.not_modified >= len(held) - 1
        assert sources(ix) == {site.base + p for p in site.pages}


# --- parts --------------------------------------------------------------------


def test_sitemaps_plain_gzip_index_and_bad():
    plain = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc> https://a.example/x </loc><lastmod>2024-05-01</lastmod></url>"
        b"<url><loc>https://a.example/y</loc><lastmod>soon</lastmod></url></urlset>"
    )
    got = parse_sitemap(gzip.compress(plain))
    assert [e.url for e in got.pages] == ["https://a.example/x", "https://a.example/y"]
    assert got.pages[0].lastmod.isoformat() == "2024-05-01T00:00:00+00:00"
    assert got.pages[1].lastmod is None
    idx = parse_sitemap(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://a.example/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert idx.children == ("https://a.example/s1.xml",)
    for bad in (b"<html></html>", b"not xml", b"\x1f\x8bbroken"):
        with pytest.raises(SitemapError):
            parse_sitemap(bad)
    # entities are not expanded (a billion laughs stays small)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example/&a;</loc></url></urlset>"
    )
    assert "aaaaaaaaaa" not in parse_sitemap(bomb).pages[0].url


def test_freshness_and_retry_after_headers():
    now = 1_000_000.0
    assert fresh_until({"cache-control": "public, max-age=600"}, now) == now + 600
    assert fresh_until({"cache-control": "max-age=600", "age": "100"}, now) == now + 500
    assert fresh_until({"cache-control": "no-cache, max-age=600"}, now) is None
    assert fresh_until({"expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, now) is None
    assert fresh_until({}, now) is None
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None


def test_non_article_pages_are_recognised():
    page = PageInfo()
    assert not_an_article("https://a.example/", page) == "not an article: the home page"
    for url in (
        "https://a.example/tag/energy/",
        "https://a.example/category/world/page/2/",
        "https://a.example/author/jane-doe/",
    ):
        assert not_an_article(url, page).startswith("not an article: a listing")
    assert "search results" in not_an_article("https://a.example/find?q=oil", page)
    assert "date archive" in not_an_article("https://a.example/2024/05/", page)
    assert "og:type" in not_an_article(
        "https://a.example/about", PageInfo(og_type="website")
    )
    assert "noindex" in not_an_article("https://a.example/x", PageInfo(noindex=True))
    assert not_an_article("https://a.example/2024/05/oil-and-gas", page) is None


def test_robots_unreachable_blocks_the_host_and_missing_allows_it(tmp_path):
    from indexer.crawl.fetch import Fetcher
    from indexer.crawl.robots import fetch_robots

    fetcher = Fetcher(agent="analysis-search/test", delay=0, retries=0)
    site = standard_site()
    with serve(site):
        ok = fetch_robots(fetcher, f"{site.base}/x")
        assert ok.allows(f"{site.base}/articles/a/")
        assert not ok.allows(f"{site.base}/private/a")
        assert ok.delay() == pytest.approx(CRAWL_DELAY)
        assert ok.sitemaps == [f"{site.base}/sitemap_index.xml"]
    # nothing listens there any more: unreachable, so nothing is crawled
    gone = fetch_robots(fetcher, f"{site.base}/x")
    assert gone.blocked and not gone.allows(f"{site.base}/articles/a/")
    stream = io.StringIO()
    assert stream.getvalue() == ""
