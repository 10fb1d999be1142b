"""indexer.parse.parse_html: decoding, bad input, and how the Article is composed."""

from __future__ import annotations

import gc
import gzip
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from indexer.errors import ParseError
from indexer.model import Article
from indexer.parse import MAX_PAGE_BYTES, decode_html, parse_html, summarize
from search import schema

BODY_DATA = Path(__file__).resolve().parent / "data" / "body"

PARAGRAPHS = (
    "<p>Coastal states have started to treat their ports as strategic assets, screening"
    " foreign bids for terminal concessions the way they screen bids for power grids."
    "</p><p>The screening slows some deals and kills a few, but most investors adapt by"
    " taking minority stakes and leaving the operating company in local hands.</p>"
)


def page(
    head: str = "", body: str = PARAGRAPHS, charset: str = "utf-8", wrap: bool = True
) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    inner = f"<article>{body}</article>" if wrap else body
    return f"<!doctype html><html><head>{meta}{head}</head><body>{inner}</body></html>"


def parse(data: bytes, doc_id: str = "ports/screening.html") -> Article:
    return parse_html(data, source="pages/screening.html", doc_id=doc_id)


# --- composing the Article ------------------------------------------------------------


def test_fields_of_a_plain_page() -> None:
    data = page("<title>Ports as strategic assets</title>").encode()
    article = parse(data)
    assert article.id == "ports/screening.html"  # no canonical URL: the doc id
    assert article.url == ""
    assert article.source == "pages/screening.html"
    assert article.body.startswith("Coastal states have started")
    assert article.body.count("\n\n") == 1
    assert article.content_hash == schema.content_hash(data)
    # no description: the summary is the first paragraph
    assert article.summary == article.body.split("\n\n")[0]


def test_canonical_url_is_the_id_and_url() -> None:
    head = '<link rel="canonical" href="https://ports.example/analysis/screening">'
    article = parse(page(head).encode())
    assert article.id == "https://ports.example/analysis/screening"
    assert article.url == "https://ports.example/analysis/screening"


def test_description_is_the_summary() -> None:
    head = (
        '<meta name="description" content="Why ports are screened like power grids.">'
    )
    assert (
        parse(page(head).encode()).summary == "Why ports are screened like power grids."
    )


def test_title_falls_back_to_the_first_heading() -> None:
    body = "<h2>Screening Port Deals</h2>" + PARAGRAPHS
    article = parse(page(body=body, wrap=False).encode())
    assert article.title == "Screening Port Deals"


def test_long_first_paragraph_summary_is_cut_at_a_word_boundary() -> None:
    text = " ".join(["tonnage"] * 400)
    summary = summarize(text)
    assert len(summary) <= 1001
    assert summary.endswith("tonnage…")
    assert summarize("Short first paragraph.\n\nSecond.") == "Short first paragraph."


def test_the_parsed_tree_is_freed_without_the_garbage_collector() -> None:
    """parse_html breaks the tree's parent/child cycles: no element is left for the
    cyclic collector (the objects created since a collection are its generation 0,
    and with the collector off nothing leaves it). The soup object itself, in a
    small cycle with its tree builder, does not count."""
    data = page(head="<title>Ports</title>").encode()
    gc.collect()
    gc.disable()
    try:
        parse(data)
        left = [
            o
            for o in gc.get_objects(generation=0)
            if isinstance(o, Tag) and not isinstance(o, BeautifulSoup)
        ]
    finally:
        gc.enable()
    assert len(left) == 0


def test_same_bytes_same_hash_other_bytes_other_hash() -> None:
    a = parse(page().encode())
    b = parse(page().encode())
    c = parse(page(head="<title>x</title>").encode())
    assert a.content_hash == b.content_hash != c.content_hash


# --- decoding -------------------------------------------------------------------------


def test_wrong_declared_single_byte_charset_with_utf8_bytes() -> None:
    data = page(body=PARAGRAPHS + "<p>Café owners in São Paulo and Kraków agree.</p>",
                charset="iso-8859-1").encode("utf-8")  # fmt: skip
    assert "Café owners in São Paulo and Kraków agree." in parse(data).body


def test_wrong_declared_utf8_with_cp1252_bytes() -> None:
    body = PARAGRAPHS + "<p>The café terminal’s “new” berth opened.</p>"
    data = page(body=body, charset="utf-8").encode("cp1252")
    assert "The café terminal’s “new” berth opened." in parse(data).body


def test_declared_multibyte_charset_is_used() -> None:
    body = PARAGRAPHS + "<p>港湾の使用料が上がった。</p>"
    data = page(body=body, charset="shift_jis").encode("shift_jis")
    assert "港湾の使用料が上がった。" in parse(data).body


def test_http_equiv_charset_is_read() -> None:
    html = page(body=PARAGRAPHS + "<p>Žilina rail yard.</p>", charset="")
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">'
    data = html.replace("<head>", "<head>" + head).encode("cp1250")
    assert "Žilina rail yard." in parse(data).body


@pytest.mark.parametrize(
    ("bom_encoding", "codec"),
    [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")],
    ids=["utf-8-bom", "utf-16-bom"],
)
def test_byte_order_marks(bom_encoding: str, codec: str) -> None:
    data = page(body=PARAGRAPHS + "<p>Gdańsk quay.</p>", charset="").encode(codec)
    assert "Gdańsk quay." in parse(data).body


def test_decode_without_declaration_falls_back_to_cp1252() -> None:
    assert decode_html("<p>na\xefve</p>".encode("cp1252"), "x") == "<p>naïve</p>"


# --- bad input ------------------------------------------------------------------------

BAD_INPUTS = [
    pytest.param(b"", "empty file", id="empty"),
    pytest.param(b"  \n\t\r\n ", "empty file", id="whitespace-only"),
    pytest.param(b"\x00\x01\x02binary\x00data" * 50, "binary file", id="nul-bytes"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file", id="pdf"),
    pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x10" * 100, "binary file", id="png"),
    pytest.param(bytes(range(1, 9)) * 300, "binary file", id="control-chars"),
    pytest.param(b"\x1f\x8b\x08\x00broken-gzip-stream", "corrupt gzip", id="bad-gzip"),
    pytest.param(
        page(body="<nav><a href='/'>Home</a> <a href='/x'>Ports</a></nav>").encode(),
        "no article text",
        id="no-article-text",
    ),
    pytest.param(
        page(body="<p>Too short to be an article.</p>").encode(),
        "no article text",
        id="too-short",
    ),
]


@pytest.mark.parametrize(("data", "reason"), BAD_INPUTS)
def test_bad_input_is_a_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(data)
    assert info.value.path == "pages/screening.html"
    assert reason in info.value.reason


# --- hostile pages (browsers show them, and so do we) -------------------------------


def test_50000_nested_divs_are_extracted_with_their_text() -> None:
    deep = b"<div>" * 50_000 + PARAGRAPHS.encode() + b"</div>" * 50_000
    shell = page(head="<title>Screening the ports</title>", body="").encode()
    article = parse(shell.replace(b"</body>", deep + b"</body>"))
    assert article.body.startswith("Coastal states have started")
    assert article.title == "Screening the ports"


def test_deep_nesting_keeps_script_data_and_attributes() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "A <deep> page", "author": {"name": "Ada Deep"}}</script>'
    )
    deep = b"<section class='x'>" * 5_000 + PARAGRAPHS.encode()
    data = page(body="").encode().replace(b"</head>", head.encode() + b"</head>")
    article = parse(data.replace(b"</body>", deep + b"</body>"))
    assert article.title == "A <deep> page"
    assert article.authors == ("Ada Deep",)
    assert "Coastal states have started" in article.body


@pytest.mark.parametrize(
    "stray",
    [b"\x00", b"\x00\x00\x07", b"\x1b"],
    ids=["nul", "nuls-and-bell", "escape"],
)
def test_stray_control_bytes_do_not_make_a_page_binary(stray: bytes) -> None:
    data = page().encode()
    data = data.replace(b"started", b"star" + stray + b"ted", 1)
    article = parse(data)
    assert "Coastal states have started" in article.body
    assert not any(ch in article.body for ch in "\x00\x07\x1b")


def test_utf16_without_a_byte_order_mark_is_read() -> None:
    article = parse(page().encode("utf-16-le"))
    assert article.body.startswith("Coastal states have started")


def test_a_page_of_too_many_elements_is_refused_at_once() -> None:
    spans = b"".join(b"<span>w</span> " for _ in range(120_000))
    with pytest.raises(ParseError, match="too many elements"):
        parse(page().encode().replace(b"</body>", spans + b"</body>"))


def test_huge_page_is_refused() -> None:
    filler = b"<p>" + b"ballast " * (MAX_PAGE_BYTES // 8) + b"</p>"
    with pytest.raises(ParseError, match="page too large"):
        parse(page().encode() + filler)


def test_huge_page_inside_gzip_is_refused_without_inflating_it_all() -> None:
    data = gzip.compress(b"<p>" + b" " * (MAX_PAGE_BYTES + 10), compresslevel=1)
    with pytest.raises(ParseError, match="page too large"):
        parse(data)


def test_gzip_bytes_are_inflated() -> None:
    compressed = gzip.compress(page().encode())
    article = parse(compressed)
    assert article.body.startswith("Coastal states have started")
    assert article.content_hash == schema.content_hash(compressed)  # bytes as given


@pytest.mark.parametrize(
    "markup",
    [
        "<article><p>{0}<p>{1}<div><span>unclosed",
        "<article><p>{0}</div></div></span><p>{1}</article></article>",
        "<table><tr><td><p>{0}<td><p>{1}</table>",
        "<<article>><p>{0}</p><p>{1}</p><!-- unterminated comment",
    ],
    ids=["unclosed-tags", "stray-end-tags", "table-soup", "junk-and-open-comment"],
)
def test_broken_markup_still_gives_the_text(markup: str) -> None:
    first = "Terminal concessions are screened like power grids in most coastal states."
    second = "Investors adapt by taking minority stakes and leaving operations local."
    data = page(body=markup.format(first, second), wrap=False).encode()
    body = parse(data).body
    assert first in body
    if "unterminated" not in markup:
        assert second in body


def test_xml_declaration_page_parses_without_warnings() -> None:
    data = ('<?xml version="1.0" encoding="utf-8"?>' + page()).encode()
    assert parse(data).body.startswith("Coastal states")


@pytest.mark.parametrize("name", sorted(p.name for p in BODY_DATA.glob("*.html")))
def test_every_body_fixture_parses(name: str) -> None:
    article = parse_html(
        (BODY_DATA / name).read_bytes(), source=name, doc_id=f"body/{name}"
    )
    assert article.word_count >= 10
    assert article.summary


def test_short_text_without_spaces_is_still_article_text() -> None:
    chinese = "港口使用费今年第三次上涨，小型支线船公司首当其冲。" * 4
    article = parse(page(body=f"<p>{chinese}</p>").encode())
    assert article.body == chinese
