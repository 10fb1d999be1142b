"""The bundled example articles: content rules, rendering in sync, exact extraction."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from service_support import load_render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
EXAMPLES_ROOT = ROOT / "examples"
EXPECTED_DIR = EXAMPLES_ROOT / "expected"
CONTENT_DIR = EXAMPLES_ROOT / "content"


render = load_render()
ARTICLES = render.load_articles(CONTENT_DIR)
EXPECTED_FILES = sorted(EXPECTED_DIR.glob("*.json"))


def _page_for(slug: str) -> Path:
    for suffix in (".html", ".html.gz"):
        path = EXAMPLES / f"{slug}{suffix}"
        if path.is_file():
            return path
    raise AssertionError(f"no rendered page for {slug} in {EXAMPLES}")


def _paragraphs(body: str) -> list[str]:
    """Body as paragraphs, whitespace normalised inside each."""
    return [
        " ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()
    ]


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    out = {key: doc.get(key) for key in render.EXPECTED_KEYS}
    out["body"] = _paragraphs(out["body"] or "")
    out["summary"] = " ".join((out["summary"] or "").split())
    out["authors"] = list(out["authors"] or [])
    out["tags"] = list(out["tags"] or [])
    return out


def _page_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        import gzip

        data = gzip.decompress(data)
    return data.decode("utf-8")


def _visible_text(page: str) -> str:
    """Crude text of a page: tags dropped, entities decoded, whitespace squashed."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- exact extraction of every example ----------------------------------------------
@pytest.mark.parametrize("expected_path", EXPECTED_FILES, ids=lambda p: p.stem)
def test_example_extracted_exactly(expected_path: Path) -> None:
    from indexer.parse import parse_html
    from indexer.sources import read_page

    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    page = _page_for(expected_path.stem)
    rel = page.relative_to(EXAMPLES).as_posix()
    article = parse_html(read_page(page), source=str(page), doc_id=rel)
    got = _comparable(article.to_document())
    assert got == _comparable(expected)


# --- the content rules of the issue -------------------------------------------------
def test_enough_articles_and_templates() -> None:
    assert len(ARTICLES) >= 30
    templates = Counter(a["template"] for a in ARTICLES)
    assert len(templates) >= 4, templates
    assert {"wordpress", "newsroom", "minimal", "bare"} <= set(templates)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["slug"])
def test_article_follows_content_rules(article: dict[str, Any]) -> None:
    words = render.body_word_count(article)
    assert 300 <= words <= 900, f"{words} words"
    assert 3 <= len(article["tags"]) <= 8
    assert len(set(t.casefold() for t in article["tags"])) == len(article["tags"])
    assert 1 <= len(article["authors"]) <= 3
    assert article["section"] in render.SECTIONS
    assert article["template"] == render.TEMPLATE_BY_REMAINDER[article["number"] % 5]
    assert render._parse_iso(article["published"]).tzinfo is not None
    if article["updated"]:
        updated = render._parse_iso(article["updated"])
        assert updated > render._parse_iso(article["published"])
    assert article["summary"].strip()


def test_authors_tags_and_dates_are_spread() -> None:
    authors = Counter(name for a in ARTICLES for name in a["authors"])
    assert len(authors) >= 6, authors
    assert sum(1 for n in authors.values() if n > 1) >= 5, authors
    assert any(name != name.encode("ascii", "ignore").decode() for name in authors)
    tags = Counter(t for a in ARTICLES for t in a["tags"])
    assert sum(1 for n in tags.values() if n >= 3) >= 10, tags
    years = Counter(a["published"][:4] for a in ARTICLES)
    assert len(years) >= 5 and all(n >= 2 for n in years.values()), years
    sections = {a["section"] for a in ARTICLES}
    assert len(sections) >= 5, sections
    assert sum(1 for a in ARTICLES if a["updated"]) >= 5


def test_slugs_are_unique() -> None:
    slugs = Counter(a["slug"] for a in ARTICLES)
    assert [s for s, n in slugs.items() if n > 1] == []


# --- rendered files are current and say what the page says --------------------------
def test_rendered_files_are_in_sync_with_content() -> None:
    stale = render.stale_files(EXAMPLES_ROOT, CONTENT_DIR)
    assert stale == [], "run: .venv/bin/python examples/render.py"


def test_every_article_has_a_page_and_an_expected_file() -> None:
    slugs = {a["slug"] for a in ARTICLES}
    assert {p.stem for p in EXPECTED_FILES} == slugs
    names = {p.name for p in EXAMPLES.iterdir()}
    assert names == {render.output_name(a) for a in ARTICLES}
    assert any(n.endswith(".html.gz") for n in names)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["slug"])
def test_expected_values_are_visible_on_the_page(article: dict[str, Any]) -> None:
    expected = render.expected_document(article)
    page = _page_text(EXAMPLES / render.output_name(article))
    text = _visible_text(page)
    assert list(expected) == list(render.EXPECTED_KEYS)
    for paragraph in _paragraphs(expected["body"]):
        assert text.count(paragraph) == 1, paragraph[:60]
    assert f">{html.escape(expected['title'])}</h1>" in page
    for value in (*expected["authors"], expected["section"]):
        assert value in text
    for value in expected["tags"]:  # visible, or in a meta tag / JSON-LD
        assert value in html.unescape(page)
    if expected["id"].startswith("https://"):
        assert f'<link rel="canonical" href="{expected["id"]}">' in page
    else:
        assert 'rel="canonical"' not in page


@pytest.mark.parametrize(
    "article",
    [a for a in ARTICLES if a["template"] == "bare"],
    ids=lambda a: a["slug"],
)
def test_bare_pages_carry_no_metadata(article: dict[str, Any]) -> None:
    page = _page_text(EXAMPLES / render.output_name(article))
    for marker in ("<meta", "ld+json", "itemprop", 'rel="canonical"', "<time", "og:"):
        assert marker not in page
    expected = render.expected_document(article)
    assert expected["published"].endswith("T00:00:00Z")
    assert render.long_date(article["published"]) in _visible_text(page)


def test_expected_dates_are_utc() -> None:
    for path in EXPECTED_FILES:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for key in ("published", "updated"):
            value = doc[key]
            assert value is None or re.fullmatch(
                r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value
            )


# --- the renderer as a library (benchmarks/corpus.py uses it) ---------------------
SYNTHETIC: dict[str, Any] = {
    "slug": "synthetic-page",
    "title": "Tariffs & Trade: A <Synthetic> Headline",
    "authors": ["Ann Example", "Bo Sample"],
    "published": "2022-03-04T23:30:00-05:00",
    "updated": None,
    "tags": ["Trade", "Tariffs", "China"],
    "section": "Trade",
    "summary": 'A summary with "quotes" & ampersands.',
    "body": (
        "First paragraph, with <angle brackets> & an ampersand.\n\n"
        "## A subheading\n\n"
        "Second paragraph\nwrapped over two lines.\n\n"
        "> A pull quote.\n\n"
        "- first item\n- second item\n\n"
        "Last paragraph."
    ),
}


@pytest.mark.parametrize("template", sorted(render.TEMPLATES))
def test_render_article_works_without_corpus_context(template: str) -> None:
    article = dict(SYNTHETIC, template=template)
    page = render.render_article(article)
    expected = render.expected_document(article, "sub/synthetic-page.html")
    assert expected["body"].split("\n\n") == [
        "First paragraph, with <angle brackets> & an ampersand.",
        "A subheading",
        "Second paragraph wrapped over two lines.",
        "A pull quote.",
        "first item",
        "second item",
        "Last paragraph.",
    ]
    text = _visible_text(page)
    for paragraph in _paragraphs(expected["body"]):
        assert text.count(paragraph) == 1, paragraph
    assert f">{html.escape(article['title'])}</h1>" in page
    if template == "bare":
        assert expected["published"] == "2022-03-04T00:00:00Z"
        assert expected["summary"] == expected["body"].split("\n\n")[0]
    else:
        assert expected["published"] == "2022-03-05T04:30:00Z"
        assert expected["summary"] == article["summary"]
    if template in render.CANONICAL_TEMPLATES:
        assert expected["id"] == expected["url"]
        assert expected["id"] == "https://meridian-review.example/trade/synthetic-page"
    else:
        assert (expected["id"], expected["url"]) == ("sub/synthetic-page.html", "")
