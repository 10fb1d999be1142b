"""Render the example articles of The Meridian Review and their expected extractions.

Usage (from the project root)::

    .venv/bin/python examples/render.py            # (re)write articles/ and expected/
    .venv/bin/python examples/render.py --check    # exit 1 if anything is out of date

Every ``examples/content/NN-slug.md`` (front matter, then a plain-text body; see the
module docstring of ``parse_content``) becomes ``examples/articles/<slug>.html`` (or
``<slug>.html.gz`` for the numbers in ``GZIP_NUMBERS``), rendered with the page
template chosen by its ``template`` key, and ``examples/expected/<slug>.json``: exactly
what a perfect extractor must output for that page.

Only the standard library is used, so ``benchmarks/corpus.py`` can import this file
(``render_article``, ``expected_document``, ``TEMPLATES``, ...) to generate synthetic
pages through the very same templates.

What the expected JSON says, and why (every value is recoverable from the page):

* ``body``: the article's own text in reading order, one block per paragraph, joined
  by a blank line (``"\\n\\n"``). Blocks are paragraphs, subheadings (their text
  only), pull quotes (the quote's text: they are original lines written for the
  article, not repeats) and each bullet-list item (one block per item, no bullet
  character). Whitespace inside a block is single spaces. NOT body: headline,
  standfirst/dek, byline, dates, figures (image alt text, captions, credits), "Read
  more: ..." links, newsletter/subscribe/donate boxes, share bars, related posts,
  tag lists, author boxes, comments, navigation, cookie banners, scripts and styles.
  (The human-annotated bodies of the shared extraction set agree: they keep
  ``<blockquote>`` text and leave out ``<figcaption>`` text.)
* ``id``/``url``: the canonical URL
  ``https://meridian-review.example/<section-slug>/<slug>`` on templates that declare
  one (``wordpress``, ``newsroom``, ``magazine``); on ``minimal`` and ``bare`` (no
  canonical, no og:url) ``id`` is the path relative to ``examples/articles`` (for
  example ``slug.html`` or ``slug.html.gz``) and ``url`` is ``""``.
* ``published``/``updated``: UTC, ``YYYY-MM-DDTHH:MM:SSZ``. The ``bare`` template shows
  only a calendar date ("5 April 2023", the date in the publication's own time zone)
  and no time of day, so its expected values are that date at ``T00:00:00Z``.
  ``updated`` is ``null`` when the article was never updated.
* ``summary``: the page's description (meta description / JSON-LD / Dublin Core /
  standfirst, all the same text) and, on ``bare`` which has no description at all,
  the first paragraph of the body.
* ``authors``/``tags``: in byline and page order; ``section``: one of the six sections.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
CONTENT_DIR = HERE / "content"
ARTICLES_DIR = HERE / "articles"
EXPECTED_DIR = HERE / "expected"
TEMPLATE_DIR = HERE / "templates"

SITE_NAME = "The Meridian Review"
SITE_URL = "https://meridian-review.example"
#: Template chosen by ``NN mod 5`` when a content file has no ``template`` key.
TEMPLATE_BY_REMAINDER = ("magazine", "wordpress", "newsroom", "minimal", "bare")
#: Article numbers written as ``.html.gz`` (to exercise the gzip path end to end).
GZIP_NUMBERS = frozenset({2, 9})
#: Templates that declare a canonical URL (their id is that URL).
CANONICAL_TEMPLATES = frozenset({"wordpress", "newsroom", "magazine"})
#: Keys of an expected extraction, in file order.
EXPECTED_KEYS = (
    "id",
    "url",
    "title",
    "authors",
    "published",
    "updated",
    "tags",
    "section",
    "summary",
    "body",
    "language",
)
#: Templates whose pages declare their language (``<html lang>``, meta, JSON-LD).
LANGUAGE_TEMPLATES = frozenset({"magazine", "wordpress", "newsroom"})
SECTIONS = ("Foreign Policy", "Energy", "Trade", "Elections", "Security", "Economy")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

Article = dict[str, Any]
Block = tuple[str, str]  # (kind, text): kind is "p", "h2", "quote" or "li"


# --- content files ------------------------------------------------------------------
def parse_content(text: str, name: str = "00-untitled.md") -> Article:
    """Read one content file.

    The file is ``---``, ``key: value`` lines (title, authors, published, updated,
    tags, section, summary, template; authors and tags separated by ``; ``), ``---``,
    then the body: blocks separated by blank lines, ``## `` starts a subheading,
    ``> `` a pull quote, ``- `` a bullet item.

    Args:
        text: The file's text.
        name: The file name ``NN-slug.md`` (gives ``number`` and ``slug``).

    Returns:
        The article dict (keys: number, slug, title, authors, published, updated,
        tags, section, summary, template, body).

    Raises:
        ValueError: The file is malformed (message names the file and the problem).
    """
    m = re.fullmatch(r"(\d+)-([a-z0-9-]+)\.md", name)
    if not m:
        raise ValueError(f"{name}: content files are named NN-slug.md")
    parts = text.split("---\n", 2)
    if len(parts) != 3 or parts[0].strip():
        raise ValueError(f"{name}: front matter between '---' lines is missing")
    meta: dict[str, str] = {}
    for line in parts[1].splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{name}: bad front matter line {line!r}")
            meta[key.strip()] = value.strip()
    for key in ("title", "authors", "published", "tags", "section", "summary"):
        if not meta.get(key):
            raise ValueError(f"{name}: front matter key {key!r} is missing")
    number = int(m.group(1))
    template = meta.get("template") or TEMPLATE_BY_REMAINDER[number % 5]
    if template not in TEMPLATES:
        raise ValueError(f"{name}: unknown template {template!r}")
    for key in ("published", "updated"):
        if meta.get(key) and _parse_iso(meta[key]).tzinfo is None:
            raise ValueError(f"{name}: {key} needs a UTC offset")
    return {
        "number": number,
        "slug": m.group(2),
        "title": meta["title"],
        "authors": _split_list(meta["authors"]),
        "published": meta["published"],
        "updated": meta.get("updated") or None,
        "tags": _split_list(meta["tags"]),
        "section": meta["section"],
        "summary": meta["summary"],
        "template": template,
        "language": meta.get("language") or "en",
        "body": parts[2],
    }


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def load_articles(content_dir: Path = CONTENT_DIR) -> list[Article]:
    """Every content file of ``content_dir``, in file-name order."""
    return [
        parse_content(p.read_text(encoding="utf-8"), p.name)
        for p in sorted(content_dir.glob("[0-9]*.md"))
    ]


def body_blocks(body: str) -> list[Block]:
    """The blocks of a body source text, in order (see ``parse_content``)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if all(ln.startswith("- ") for ln in lines):
            blocks.extend(("li", _squash(ln[2:])) for ln in lines)
        elif lines[0].startswith("## "):
            blocks.append(("h2", _squash(" ".join(lines)[3:])))
        elif lines[0].startswith("> "):
            text = " ".join(ln[2:] if ln.startswith("> ") else ln for ln in lines)
            blocks.append(("quote", _squash(text)))
        else:
            blocks.append(("p", _squash(" ".join(lines))))
    return blocks


def _squash(text: str) -> str:
    return " ".join(text.split())


def expected_body(article: Article) -> str:
    """The body a perfect extractor returns: block texts joined by blank lines."""
    return "\n\n".join(text for _, text in body_blocks(article["body"]))


def body_word_count(article: Article) -> int:
    """Whitespace-separated words of the expected body."""
    return len(expected_body(article).split())


# --- names, URLs and dates ----------------------------------------------------------
def slugify(value: str) -> str:
    """ASCII URL slug: ``"Foreign Policy"`` -> ``"foreign-policy"``, accents dropped."""
    ascii_ = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


def canonical_url(article: Article) -> str:
    """``https://meridian-review.example/<section-slug>/<slug>``."""
    return f"{SITE_URL}/{slugify(article['section'])}/{article['slug']}"


def output_name(article: Article) -> str:
    """File name of the rendered page inside ``examples/articles``."""
    gz = ".gz" if article.get("number") in GZIP_NUMBERS else ""
    return f"{article['slug']}.html{gz}"


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


def utc_z(value: str | None) -> str | None:
    """ISO 8601 with offset -> UTC ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    if not value:
        return None
    return _parse_iso(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def date_only_z(value: str | None) -> str | None:
    """The local calendar date of an ISO timestamp at midnight UTC (``bare`` pages)."""
    if not value:
        return None
    return _parse_iso(value).strftime("%Y-%m-%dT00:00:00Z")


def long_date(value: str) -> str:
    """``5 April 2023`` (the local date of the timestamp)."""
    dt = _parse_iso(value)
    return f"{dt.day} {MONTHS[dt.month - 1]} {dt.year}"


def us_date(value: str) -> str:
    """``April 5, 2023`` (the local date of the timestamp)."""
    dt = _parse_iso(value)
    return f"{MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def join_names(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def esc(value: str) -> str:
    """HTML-escape text for element content and attribute values."""
    return html.escape(value, quote=True)


# --- expected extraction ------------------------------------------------------------
def expected_document(article: Article, relpath: str | None = None) -> dict[str, Any]:
    """What a perfect extractor outputs for the rendered page of ``article``.

    Args:
        article: A parsed article (``parse_content``).
        relpath: The page's path relative to the indexed folder (defaults to
            ``output_name(article)``); the id of pages without a canonical URL.

    Returns:
        A dict with the keys of ``EXPECTED_KEYS``.
    """
    template = article["template"]
    relpath = relpath or output_name(article)
    has_canonical = template in CANONICAL_TEMPLATES
    bare = template == "bare"
    body = expected_body(article)
    date = date_only_z if bare else utc_z
    return {
        "id": canonical_url(article) if has_canonical else relpath,
        "url": canonical_url(article) if has_canonical else "",
        "title": article["title"],
        "authors": list(article["authors"]),
        "published": date(article["published"]),
        "updated": date(article.get("updated")),
        "tags": list(article["tags"]),
        "section": article["section"],
        "summary": body.split("\n\n", 1)[0] if bare else article["summary"],
        "body": body,
        "language": (
            article.get("language", "en") if template in LANGUAGE_TEMPLATES else ""
        ),
    }


# --- rendering ----------------------------------------------------------------------
def related_articles(
    article: Article, others: Sequence[Article], n: int = 3
) -> list[Article]:
    """Up to ``n`` other articles sharing the most tags (ties: newest first)."""
    tags = {t.casefold() for t in article["tags"]}
    scored = [
        (len(tags & {t.casefold() for t in o["tags"]}), o["published"], o["slug"], o)
        for o in others
        if o["slug"] != article["slug"]
    ]
    scored.sort(key=lambda s: (-s[0], _neg_time(s[1]), s[2]))
    return [s[3] for s in scored[:n]]


def _neg_time(value: str) -> float:
    return -_parse_iso(value).timestamp()


# --- page furniture: stock data shared by the templates -----------------------------
_FURNITURE: dict[str, Any] = json.loads(
    (TEMPLATE_DIR / "furniture.json").read_text(encoding="utf-8")
)
#: Figure (alt text, caption, credit) by the first matching tag; never part of the body.
FIGURES: dict[str, tuple[str, str, str]] = {
    tag: (alt, caption, credit)
    for tag, (alt, caption, credit) in _FURNITURE["figures"].items()
}
_alt, _caption, _credit = _FURNITURE["default_figure"]
DEFAULT_FIGURE: tuple[str, str, str] = (_alt, _caption, _credit)
#: Short author bios for author boxes (no names inside, so bylines stay unambiguous).
AUTHOR_BIOS: dict[str, str] = _FURNITURE["author_bios"]
DEFAULT_BIO: str = _FURNITURE["default_bio"]
#: Stock headlines for related-post widgets when no other articles are given.
STOCK_ARTICLES: list[Article] = _FURNITURE["stock_articles"]
#: Reader comments for the WordPress template (never part of the body).
COMMENTS: list[tuple[str, str]] = [(n, t) for n, t in _FURNITURE["comments"]]
#: Tags of the WordPress tag-cloud widget (links without rel=tag).
TAG_CLOUD: tuple[str, ...] = tuple(_FURNITURE["tag_cloud"])


def figure_for(article: Article) -> tuple[str, str, str]:
    """(alt, caption, credit) of the article's illustration."""
    for tag in article["tags"]:
        if tag in FIGURES:
            return FIGURES[tag]
    return DEFAULT_FIGURE


def _pick(article: Article, items: Sequence[Any], n: int) -> list[Any]:
    """``n`` items chosen deterministically from the slug."""
    seed = sum(ord(c) for c in article["slug"])
    return [items[(seed + 2 * i) % len(items)] for i in range(min(n, len(items)))]


def _others(related: Sequence[Article]) -> list[Article]:
    return list(related) if related else list(STOCK_ARTICLES)


def _url_of(article: Article) -> str:
    return canonical_url(article)


def blocks_html(
    blocks: Sequence[Block],
    inserts: dict[int, str] | None = None,
    *,
    quote: str = '<blockquote class="pull-quote"><p>{}</p></blockquote>',
    indent: str = "        ",
) -> str:
    """HTML of body blocks; ``inserts`` maps an element index to HTML placed after it.

    Consecutive list items form one ``<ul>``. An insert index past the end is placed
    after the last element; inserts are only placed after paragraphs (the next
    paragraph at or after the index).
    """
    elements: list[tuple[str, str]] = []
    for kind, text in blocks:
        if kind == "li":
            item = f"<li>{esc(text)}</li>"
            if elements and elements[-1][0] == "ul":
                elements[-1] = ("ul", elements[-1][1] + f"\n{indent}  {item}")
            else:
                elements.append(("ul", f"{item}"))
        elif kind == "h2":
            elements.append(("h2", f"<h2>{esc(text)}</h2>"))
        elif kind == "quote":
            elements.append(("quote", quote.format(esc(text))))
        else:
            elements.append(("p", f"<p>{esc(text)}</p>"))
    placed: dict[int, list[str]] = {}
    for wanted, fragment in sorted((inserts or {}).items()):
        at = next(
            (i for i in range(wanted, len(elements)) if elements[i][0] == "p"),
            len(elements) - 1,
        )
        placed.setdefault(at, []).append(fragment)
    out: list[str] = []
    for i, (kind, htm) in enumerate(elements):
        if kind == "ul":
            htm = f"<ul>\n{indent}  {htm}\n{indent}</ul>"
        out.append(indent + htm)
        out.extend(indent + frag for frag in placed.get(i, []))
    return "\n".join(out)


def _figure(article: Article, cls: str, src_prefix: str = "/media") -> str:
    alt, caption, credit = figure_for(article)
    return (
        f'<figure class="{cls}"><img src="{src_prefix}/{article["slug"]}.jpg" '
        f'alt="{esc(alt)}" width="1200" height="675" loading="lazy">'
        f'<figcaption>{esc(caption)} <span class="credit">Photo: {esc(credit)}</span>'
        "</figcaption></figure>"
    )


# --- template: wordpress ------------------------------------------------------------
def _wordpress(
    article: Article, related: list[Article], recent: list[Article]
) -> dict[str, str]:
    others = _others(related)
    url = canonical_url(article)
    blocks = body_blocks(article["body"])
    updated = article.get("updated")
    related_html = "\n".join(
        '            <div class="jp-relatedposts-post">'
        '<h4 class="jp-relatedposts-post-title">'
        f'<a href="{_url_of(o)}">{esc(o["title"])}</a></h4>'
        f'<p class="jp-relatedposts-post-date">{us_date(o["published"])}</p>'
        '<p class="jp-relatedposts-post-context">'
        f"In &quot;{esc(o['section'])}&quot;</p></div>"
        for o in others[:3]
    )
    boxes = "\n".join(
        f'  <div class="author-box">\n'
        f'    <img alt="" src="{SITE_URL}/media/authors/{slugify(a)}.png" '
        f'class="avatar avatar-96" width="96" height="96">\n'
        f'    <div class="author-box__text">\n'
        f'      <h4 class="author-box__title">About the author: '
        f'<a href="https://meridian-review.example/author/{slugify(a)}/">{esc(a)}</a></h4>\n'
        f'      <p class="author-box__bio">{esc(AUTHOR_BIOS.get(a, DEFAULT_BIO))}</p>\n'
        f'      <p class="author-box__more"><a href="https://meridian-review.example/author/'
        f'{slugify(a)}/">View all posts</a></p>\n'
        f"    </div>\n  </div>"
        for a in article["authors"]
    )
    comments = _pick(article, COMMENTS, 2 + len(article["slug"]) % 2)
    day = _parse_iso(article["published"])
    first_comment = int(article.get("number", 0)) * 10
    comments_html = "\n".join(
        f'    <li id="comment-{first_comment + i}" class="comment">'
        f'<article class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><b class="fn">{esc(name)}</b> '
        f'<span class="says">says:</span></div><div class="comment-metadata">'
        f'<time datetime="{day.date().isoformat()}T{9 + i:02d}:14:00+00:00">'
        f"{us_date(article['published'])} at {9 + i}:14 am</time></div></footer>"
        f'<div class="comment-content"><p>{esc(text)}</p></div></article></li>'
        for i, (name, text) in enumerate(comments)
    )
    prev_post, next_post = (others + others)[0], (others + others)[1]
    return {
        "page_title": esc(f"{article['title']} - {SITE_NAME}"),
        "title": esc(article["title"]),
        "title_attr": esc(quote(article["title"])),
        "description": esc(article["summary"]),
        "canonical": url,
        "slug": article["slug"],
        "post_id": str(4100 + int(article.get("number", 0))),
        "published_iso": article["published"],
        "published_display": us_date(article["published"]),
        "modified_meta": (
            f'<meta property="article:modified_time" content="{updated}">'
            if updated
            else ""
        ),
        "updated_time": (
            f'<time class="updated" datetime="{updated}">{us_date(updated)}</time>'
            if updated
            else ""
        ),
        "section": esc(article["section"]),
        "section_slug": slugify(article["section"]),
        "body_html": blocks_html(
            blocks, {1: _figure(article, "wp-block-image size-large")}
        ),
        "related_html": related_html,
        "tag_links": ", ".join(
            f'<a href="{SITE_URL}/tag/{slugify(t)}/" rel="tag">{esc(t)}</a>'
            for t in article["tags"]
        ),
        "author_boxes": boxes,
        "post_nav": (
            f'<div class="nav-previous"><a href="{_url_of(prev_post)}" rel="prev">'
            '<span class="meta-nav">Previous Post</span> '
            f"{esc(prev_post['title'])}</a></div>"
            f'<div class="nav-next"><a href="{_url_of(next_post)}" rel="next">'
            '<span class="meta-nav">Next Post</span> '
            f"{esc(next_post['title'])}</a></div>"
        ),
        "comment_count": str(len(comments)),
        "comments_html": comments_html,
        "recent_html": "\n".join(
            f'      <li><a href="{_url_of(o)}">{esc(o["title"])}</a></li>'
            for o in _others(recent)[:5]
        ),
        "tag_cloud_html": "\n".join(
            f'      <a href="https://meridian-review.example/tag/{slugify(t)}/" '
            f'class="tag-cloud-link tag-link-{i + 11}" '
            f'style="font-size: {10 + (i * 7) % 12}pt;" '
            f'aria-label="{esc(t)}">{esc(t)}</a>'
            for i, t in enumerate(TAG_CLOUD)
        ),
    }


# --- template: newsroom -------------------------------------------------------------
def _jsonld(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("</", "<\\/")


def _newsroom_jsonld(article: Article) -> str:
    url = canonical_url(article)
    section_url = f"{SITE_URL}/{slugify(article['section'])}"
    news: dict[str, Any] = {
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "isPartOf": {"@id": f"{url}#webpage"},
        "mainEntityOfPage": {"@id": f"{url}#webpage"},
        "headline": article["title"],
        "description": article["summary"],
        "datePublished": article["published"],
    }
    if article.get("updated"):
        news["dateModified"] = article["updated"]
    news.update(
        {
            "author": [
                {
                    "@type": "Person",
                    "name": a,
                    "url": f"{SITE_URL}/authors/{slugify(a)}",
                }
                for a in article["authors"]
            ],
            "publisher": {"@id": f"{SITE_URL}/#organization"},
            "image": {
                "@type": "ImageObject",
                "url": f"{SITE_URL}/media/{article['slug']}.jpg",
                "width": 1200,
                "height": 675,
            },
            "keywords": ", ".join(article["tags"]),
            "articleSection": article["section"],
            "inLanguage": article.get("language", "en"),
            "isAccessibleForFree": True,
        }
    )
    graph: dict[str, Any] = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsMediaOrganization",
                "@id": f"{SITE_URL}/#organization",
                "name": SITE_NAME,
                "url": f"{SITE_URL}/",
                "logo": {
                    "@type": "ImageObject",
                    "url": f"{SITE_URL}/static/img/logo.png",
                },
            },
            {
                "@type": "WebSite",
                "@id": f"{SITE_URL}/#website",
                "url": f"{SITE_URL}/",
                "name": SITE_NAME,
                "publisher": {"@id": f"{SITE_URL}/#organization"},
            },
            {
                "@type": "WebPage",
                "@id": f"{url}#webpage",
                "url": url,
                "name": f"{article['title']} | {SITE_NAME}",
                "isPartOf": {"@id": f"{SITE_URL}/#website"},
                "breadcrumb": {"@id": f"{url}#breadcrumb"},
            },
            {
                "@type": "BreadcrumbList",
                "@id": f"{url}#breadcrumb",
                "itemListElement": [
                    {
                        "@type": "ListItem",
                        "position": 1,
                        "name": "Home",
                        "item": f"{SITE_URL}/",
                    },
                    {
                        "@type": "ListItem",
                        "position": 2,
                        "name": article["section"],
                        "item": section_url,
                    },
                    {"@type": "ListItem", "position": 3, "name": article["title"]},
                ],
            },
            news,
        ],
    }
    return _jsonld(graph)


def _newsroom(
    article: Article, related: list[Article], recent: list[Article]
) -> dict[str, str]:
    url = canonical_url(article)
    updated = article.get("updated")
    section_slug = slugify(article["section"])
    promo = (
        '<aside class="inline-promo newsletter-signup" aria-label="Newsletter">'
        f"<h3>The {esc(article['section'])} Brief</h3>"
        "<p>Sign up for our weekly newsletter on this beat, "
        "written by our correspondents.</p>"
        f'<a class="button" href="/newsletters/{section_slug}">Sign up</a></aside>'
    )
    ad = (
        '<div class="ad-slot ad-mid" aria-hidden="true">'
        "<span>Advertisement</span></div>"
    )
    return {
        "page_title": esc(f"{article['title']} | {SITE_NAME}"),
        "title": esc(article["title"]),
        "title_attr": esc(quote(article["title"])),
        "summary": esc(article["summary"]),
        "description": esc(article["summary"]),
        "canonical": url,
        "slug": article["slug"],
        "figure_alt": esc(figure_for(article)[0]),
        "published_iso": article["published"],
        "published_display": "Published " + us_date(article["published"]),
        "modified_meta": (
            f'<meta property="article:modified_time" content="{updated}">'
            if updated
            else ""
        ),
        "updated_time": (
            f'      <time class="modified" datetime="{updated}">'
            f"Updated {us_date(updated)}</time>"
            if updated
            else ""
        ),
        "section": esc(article["section"]),
        "section_slug": section_slug,
        "article_tags": "\n".join(
            f'<meta property="article:tag" content="{esc(t)}">' for t in article["tags"]
        ),
        "jsonld": _newsroom_jsonld(article),
        "byline_links": join_names(
            [
                f'<a class="author-link" href="/authors/{slugify(a)}">{esc(a)}</a>'
                for a in article["authors"]
            ]
        ),
        "figure_html": _figure(article, "lead-figure"),
        "body_html": blocks_html(body_blocks(article["body"]), {3: promo, 6: ad}),
        "topics_html": "\n".join(
            f'        <li><a href="/topics/{slugify(t)}">{esc(t)}</a></li>'
            for t in article["tags"]
        ),
        "most_read_html": "\n".join(
            f'      <li><a href="{_url_of(o)}">{esc(o["title"])}</a></li>'
            for o in _others(recent)[:5]
        ),
        "related_html": "\n".join(
            f'    <li><a href="{_url_of(o)}"><span class="related-kicker">'
            f"{esc(o['section'])}</span> "
            f"{esc(o['title'])}</a></li>"
            for o in _others(related)[:3]
        ),
    }


# --- template: minimal --------------------------------------------------------------
def _minimal(
    article: Article, related: list[Article], recent: list[Article]
) -> dict[str, str]:
    updated = article.get("updated")
    return {
        "page_title": esc(f"{article['title']} · {SITE_NAME}"),
        "title": esc(article["title"]),
        "description": esc(article["summary"]),
        "keywords": esc(", ".join(article["tags"])),
        "authors": esc(join_names(article["authors"])),
        "published_iso": article["published"],
        "published_display": long_date(article["published"]),
        "updated_line": (
            '<p class="post-updated">Updated '
            f'<time class="updated" datetime="{updated}">'
            f"{long_date(updated)}</time></p>"
            if updated
            else ""
        ),
        "body_html": blocks_html(
            body_blocks(article["body"]),
            quote="<blockquote><p>{}</p></blockquote>",
            indent="",
        ),
        "section": esc(article["section"]),
        "section_slug": slugify(article["section"]),
        "previous_html": "\n".join(
            f'    <li><a href="/notebook/{o["slug"]}/">{esc(o["title"])}</a></li>'
            for o in _others(recent)[:3]
        ),
    }


# --- template: bare -----------------------------------------------------------------
def _bare(
    article: Article, related: list[Article], recent: list[Article]
) -> dict[str, str]:
    updated = article.get("updated")
    dateline = long_date(article["published"])
    if updated:
        dateline += f" &middot; Updated {long_date(updated)}"
    alt, caption, credit = figure_for(article)
    photo = (
        f'<div class="photo"><img src="/img/{article["slug"]}.jpg" alt="{esc(alt)}">'
        f'<div class="caption">{esc(caption)} ({esc(credit)})</div></div>'
    )
    return {
        "page_title": esc(f"{article['title']} — {SITE_NAME}"),
        "title": esc(article["title"]),
        "title_attr": esc(quote(article["title"])),
        "slug": article["slug"],
        "authors": esc(join_names(article["authors"])),
        "dateline": dateline,
        "section": esc(article["section"]),
        "section_slug": slugify(article["section"]),
        "body_html": blocks_html(
            body_blocks(article["body"]),
            {1: photo},
            quote='<blockquote class="quote">{}</blockquote>',
            indent="    ",
        ),
        "tag_links": ", ".join(
            f'<a href="/tag/{slugify(t)}/">{esc(t)}</a>' for t in article["tags"]
        ),
        "related_html": "\n".join(
            f'      <li><a href="/{slugify(o["section"])}/{o["slug"]}/">'
            f"{esc(o['title'])}</a></li>"
            for o in _others(related)[:3]
        ),
        "popular_html": "\n".join(
            f'      <li><a href="/{slugify(o["section"])}/{o["slug"]}/">'
            f"{esc(o['title'])}</a></li>"
            for o in _others(recent)[:5]
        ),
    }


# --- template: magazine -------------------------------------------------------------
SEASONS = ("Winter", "Winter", "Spring", "Spring", "Spring", "Summer")


def _magazine(
    article: Article, related: list[Article], recent: list[Article]
) -> dict[str, str]:
    url = canonical_url(article)
    updated = article.get("updated")
    published = _parse_iso(article["published"])
    others = _others(related)
    season = (SEASONS + ("Summer", "Summer", "Autumn", "Autumn", "Autumn", "Winter"))[
        published.month - 1
    ]

    def read_more(o: Article) -> str:
        return (
            f'<p class="read-more">Read more: <a href="{_url_of(o)}">'
            f"{esc(o['title'])}</a></p>"
        )

    newsletter = (
        '<div class="newsletter-box"><h3>The Long Read, weekly</h3>'
        "<p>One essay from the magazine every Sunday, "
        "with the reading list behind it.</p>"
        '<form action="/newsletters/long-read" method="post">'
        '<input type="email" name="email" '
        'placeholder="Email address" aria-label="Email address"> '
        "<button>Sign me up</button>"
        "</form></div>"
    )
    blocks = body_blocks(article["body"])
    inserts = {
        2: read_more(others[0]),
        4: _figure(article, "longform__figure"),
        7: newsletter,
    }
    if len(others) > 1:
        inserts[10] = read_more(others[1])
    return {
        "page_title": esc(f"{article['title']} | The Long Read | {SITE_NAME}"),
        "title": esc(article["title"]),
        "title_attr": esc(quote(article["title"])),
        "summary": esc(article["summary"]),
        "description": esc(article["summary"]),
        "canonical": url,
        "slug": article["slug"],
        "dc_creators": "\n".join(
            f'<meta name="DC.creator" content="{esc(a)}">' for a in article["authors"]
        ),
        "dc_subjects": "\n".join(
            f'<meta name="DC.subject" content="{esc(t)}">' for t in article["tags"]
        ),
        "published_date": published.date().isoformat(),
        "published_iso": article["published"],
        "published_display": long_date(article["published"]),
        "modified_html": (
            ' <span class="updated">Updated '
            f'<time itemprop="dateModified" datetime="{updated}">'
            f"{long_date(updated)}</time></span>"
            if updated
            else ""
        ),
        "reading_time": str(max(1, round(body_word_count(article) / 230))),
        "keywords": esc(", ".join(article["tags"])),
        "author_spans": join_names(
            [
                '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                f'<a itemprop="url" href="/contributors/{slugify(a)}/">'
                f'<span itemprop="name">{esc(a)}</span></a></span>'
                for a in article["authors"]
            ]
        ),
        "section": esc(article["section"]),
        "section_slug": slugify(article["section"]),
        "body_html": blocks_html(
            blocks,
            inserts,
            quote='<blockquote class="pullquote"><p>{}</p></blockquote>',
            indent="    ",
        ),
        "keyword_links": "\n".join(
            f'      <li><a href="/topic/{slugify(t)}/">{esc(t)}</a></li>'
            for t in article["tags"]
        ),
        "issue_name": f"{season} {published.year}",
        "onward_html": "\n".join(
            f'    <a class="onward__card" href="{_url_of(o)}">'
            f'<span class="onward__section">{esc(o["section"])}</span> '
            f'<span class="onward__title">{esc(o["title"])}</span></a>'
            for o in others[:3]
        ),
    }


# --- the registry, rendering and the build ------------------------------------------
ContextBuilder = Callable[[Article, list[Article], list[Article]], dict[str, str]]
#: Template name -> function building its ``string.Template`` context.
TEMPLATES: dict[str, ContextBuilder] = {
    "wordpress": _wordpress,
    "newsroom": _newsroom,
    "minimal": _minimal,
    "bare": _bare,
    "magazine": _magazine,
}
_TEMPLATE_CACHE: dict[str, Template] = {}


def page_template(name: str) -> Template:
    """The ``string.Template`` of ``examples/templates/<name>.html`` (cached)."""
    if name not in _TEMPLATE_CACHE:
        text = (TEMPLATE_DIR / f"{name}.html").read_text(encoding="utf-8")
        _TEMPLATE_CACHE[name] = Template(text)
    return _TEMPLATE_CACHE[name]


def render_article(
    article: Article,
    template: str | None = None,
    related: Sequence[Article] = (),
    recent: Sequence[Article] = (),
) -> str:
    """The full HTML page of ``article``.

    Args:
        article: A parsed article (``parse_content``) or a dict with the same keys
            (``number`` is optional).
        template: A name of ``TEMPLATES``; defaults to ``article["template"]``.
        related: Other articles listed as related posts / read-more links (stock
            headlines when empty); they need slug, title, section, published, tags.
        recent: Other articles for "recent posts"/"most read" widgets (defaults to
            ``related``).

    Returns:
        The page's HTML text.

    Raises:
        KeyError: Unknown template name.
    """
    name = template or article["template"]
    context = TEMPLATES[name](article, list(related), list(recent or related))
    language = article.get("language", "en")
    # the WordPress site says en-GB, as English WordPress installs often do
    context["lang"] = "en-GB" if name == "wordpress" and language == "en" else language
    return page_template(name).substitute(context)


def page_bytes(article: Article, page: str) -> bytes:
    """The bytes written for a rendered page (gzip with a zero mtime for ``.gz``)."""
    data = page.encode("utf-8")
    if output_name(article).endswith(".gz"):
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def build_outputs(articles: Sequence[Article]) -> dict[str, bytes]:
    """Every output file (relative to ``examples/``) with its bytes."""
    by_date = sorted(articles, key=lambda a: _neg_time(a["published"]))
    out: dict[str, bytes] = {}
    for article in articles:
        related = related_articles(article, articles)
        recent = [o for o in by_date if o["slug"] != article["slug"]][:5]
        page = render_article(article, related=related, recent=recent)
        name = output_name(article)
        out[f"articles/{name}"] = page_bytes(article, page)
        expected = expected_document(article, name)
        text = json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
        out[f"expected/{article['slug']}.json"] = text.encode("utf-8")
    return out


def _is_current(path: Path, data: bytes) -> bool:
    """Whether ``path`` holds ``data``; gzip files are compared decompressed.

    Compressed bytes depend on the zlib version, so a fresh clone elsewhere would
    otherwise see every ``.gz`` page as stale.
    """
    if not path.is_file():
        return False
    old = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            return gzip.decompress(old) == gzip.decompress(data)
        except (OSError, EOFError):
            return False
    return old == data


def stale_files(root: Path = HERE, content_dir: Path = CONTENT_DIR) -> list[str]:
    """Output files that are missing, different or left over (relative names)."""
    wanted = build_outputs(load_articles(content_dir))
    problems = [
        name
        for name, data in sorted(wanted.items())
        if not _is_current(root / name, data)
    ]
    for sub in ("articles", "expected"):
        for path in sorted((root / sub).glob("*")):
            if f"{sub}/{path.name}" not in wanted:
                problems.append(f"{sub}/{path.name}")
    return problems


def write_outputs(root: Path = HERE, content_dir: Path = CONTENT_DIR) -> list[str]:
    """Write every output file and delete rendered files with no content file.

    Returns:
        The relative names of the files written or removed.
    """
    wanted = build_outputs(load_articles(content_dir))
    changed: list[str] = []
    for name, data in sorted(wanted.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _is_current(path, data):
            path.write_bytes(data)
            changed.append(name)
    for sub in ("articles", "expected"):
        for path in sorted((root / sub).glob("*")):
            rel = f"{sub}/{path.name}"
            if rel not in wanted and path.suffix in (".html", ".gz", ".json"):
                path.unlink()
                changed.append(f"{rel} (removed)")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: render everything, or ``--check`` that everything is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = stale_files()
            for name in stale:
                print(f"stale: {name}", file=sys.stderr)
            return 1 if stale else 0
        changed = write_outputs()
    except ValueError as exc:
        print(f"render.py: {exc}", file=sys.stderr)
        return 2
    print(f"render.py: {len(changed)} file(s) written or removed")
    for name in changed:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
