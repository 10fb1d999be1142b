"""indexer.body.extract_body on hand-written pages, one failure mode each."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer.body import extract_body
from indexer.boilerplate import ends_article, is_boilerplate_line
from indexer.siteconfig import SiteConfig

BODY_DATA = Path(__file__).resolve().parent / "data" / "body"


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def body_of_file(name: str, site: SiteConfig | None = None) -> str:
    html = (BODY_DATA / name).read_text(encoding="utf-8")
    if site is None:
        return extract_body(soup_of(html))
    return extract_body(soup_of(html), site=site)


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


# Each case: fixture page, text that must be in the body, text that must not.
CASES = [
    pytest.param(
        "boxes_in_article.html",
        ["The port authority raised", "Who pays in the end", "more than electronics"],
        [
            "cookies",
            "Share on X",
            "Subscribe",
            "newsletter",
            "Related posts",
            "Canal tolls",
            "freight broker",
            "Dredging contracts",  # previous/next post navigation
            "forwarding business",
            "All rights reserved",
            "Home",
            "Harbour Dues Rise Again",  # the headline is the title field
            "Ines Marlow",
            "March 4, 2024",
        ],
        id="share-newsletter-related-bio-comments-cookie",
    ),
    pytest.param(
        "teaser_cards.html",
        ["governments treated grain storage", "for the ministers responsible"],
        ["Fertiliser prices", "Farmers are cutting back", "Premiums for routes"],
        id="teaser-article-cards-are-not-the-article",
    ),
    pytest.param(
        "page_builder_widget.html",
        ["Cold-chain logistics", "the quay and the market"],
        ["Reefer rates explained", "Contact"],
        id="page-builder-widget-wrapper-holds-the-article",
    ),
    pytest.param(
        "misnested_sidebar.html",
        ["Charter rates for medium-range tankers", "for everyone else"],
        ["Maritime notes", "Tanker Charter Rates Defy"],
        id="article-nested-in-unclosed-sidebar",
    ),
    pytest.param(
        "misnested_hidden_nav.html",
        ["Dredging the approach channel", "deep enough for the ships"],
        ["Start"],
        id="article-nested-in-unclosed-hidden-nav",
    ),
    pytest.param(
        "state_class_names.html",
        ["The lock gates on the upper canal", "around the works"],
        ["Rivers"],
        id="has-ads-no-sidebar-state-classes",
    ),
    pytest.param(
        "embedded_post.html",
        ["Dock workers", "All crews at the south terminal stop work", "northern quays"],
        [],
        id="embedded-social-post-is-kept",
    ),
    pytest.param(
        "labels_multilingual.html",
        ["Der Binnenhafen", "Die Kosten werden", "kaum noch"],
        [
            "12.03.2024",
            "Lesen Sie auch",
            "Foto:",
            "Teilen",
            "Mehr zum Thema",
            "Kontakt",
            "Impressum",
        ],
        id="multilingual-labels-datelines-menu-lines",
    ),
    pytest.param(
        "link_list.html",
        ["The port authority says", "on the bridge"],
        ["How pilot boats are built", "Remote pilotage trials"],
        id="link-list-inside-article",
    ),
    pytest.param(
        "wordpress_taxonomy.html",
        ["Island ferry fares", "actually applied"],
        ["Archives", "January 2024"],
        id="wordpress-taxonomy-classes-are-not-boxes",
    ),
    pytest.param(
        "lead_and_hidden.html",
        [
            "Die Schleppreederei am Nordkai",  # class teaser-text: a lead, kept
            "Die Boote laden",  # wrapper classed field-label-hidden, kept
            "Die Reederei rechnet",
        ],
        ["versteckt", "verborgen", "Probefahrt", "Zum Seitenanfang", "Ein Schleppboot"],
        id="lead-kept-hidden-captions-alt-screenreader-dropped",
    ),
    pytest.param(
        "itemprop_body.html",
        ["Bunker fuel suppliers", "on every voyage"],
        ["independent publication", "yearly report"],
        id="itemprop-articlebody-wins-over-longer-block",
    ),
    pytest.param(
        "no_semantic_scoring.html",
        ["Anchorage fees are", "keeps the anchorage clear"],
        ["Five charts", "Podcasts", "Terms"],
        id="scoring-without-semantic-markup",
    ),
    pytest.param(
        "section_end_heading.html",
        ["Prices for new containers fell", "dry container market"],
        ["You might also like", "biggest carriers", "southern cape", "JavaScript"],
        id="related-heading-ends-the-article",
    ),
    pytest.param(
        "lead_before_container.html",
        ["The estuary bridge paid off", "The toll brings in", "before the budget"],
        ["The Bridge Toll Nobody Wants to Cut", "Transport"],
        id="lead-paragraph-before-the-text-container",
    ),
    pytest.param(
        "headline_dek.html",
        ["Salvage companies have rarely", "a handful of ports"],
        ["Shipping", "Salvage Crews Are Busier", "fewer tugs add up", "Tomas Reyes"],
        id="kicker-headline-dek-byline-left-to-metadata",
    ),
]


@pytest.mark.parametrize(("name", "present", "absent"), CASES)
def test_body_fixture(name: str, present: list[str], absent: list[str]) -> None:
    body = body_of_file(name)
    for text in present:
        assert text in body, f"{text!r} missing from:\n{body}"
    for text in absent:
        assert text not in body, f"{text!r} should not be in:\n{body}"


def test_paragraphs_and_headings_are_separate_blocks() -> None:
    body = body_of_file("boxes_in_article.html")
    assert paragraphs(body) == [
        "The port authority raised its berthing dues for the third time in two years,"
        " and the increase lands hardest on the feeder lines that move containers"
        " between the hub and the smaller coastal terminals.",
        "Large alliances negotiate volume discounts that soften each rise. A feeder"
        " operator with four ageing vessels has no such leverage, and its margins were"
        " already thin before fuel prices climbed.",
        "Who pays in the end",
        "Shippers will see the dues folded into freight rates within a quarter."
        " Importers of low-value goods, from building materials to animal feed, will"
        " notice the change more than electronics firms.",
    ]


INLINE_CASES = [
    pytest.param(
        "<ul><li>First point about the tariff schedule and the new quota.</li>"
        "<li>Second point about customs checks at the border crossing.</li></ul>",
        [
            "First point about the tariff schedule and the new quota.",
            "Second point about customs checks at the border crossing.",
        ],
        id="list-items",
    ),  # fmt: skip
    pytest.param(
        "<table><tr><td>Exports to the bloc grew by a tenth</td>"
        "<td>Imports from the bloc fell slightly</td></tr></table>",
        ["Exports to the bloc grew by a tenth", "Imports from the bloc fell slightly"],
        id="table-cells",
    ),
    pytest.param(
        "<blockquote><p>We will not sign a deal that closes our ports to others.</p>"
        "</blockquote>",
        ["We will not sign a deal that closes our ports to others."],
        id="blockquote",
    ),
    pytest.param(
        "<p>One line of the manifesto<br>and the line after the break</p>",
        ["One line of the manifesto", "and the line after the break"],
        id="line-break",
    ),
]


@pytest.mark.parametrize(("fragment", "expected"), INLINE_CASES)
def test_blocks_become_paragraphs(fragment: str, expected: list[str]) -> None:
    lead = (
        "<p>The trade ministers met for a second day and agreed on a short text that"
        " leaves the hardest questions for the summer.</p>"
    )
    body = extract_body(soup_of(f"<html><body><article>{lead}{fragment}</article>"))
    assert paragraphs(body)[1:] == expected


def test_scripts_styles_forms_and_iframes_are_not_text() -> None:
    html = (
        "<html><body><article><p>Customs officers at the eastern crossing now check"
        " one truck in five, up from one in twenty last year.</p>"
        "<script>var tracker = 'do not index';</script><style>p {color: red}</style>"
        "<noscript>Enable scripts to comment</noscript>"
        "<iframe src='https://video.example/embed'>video frame text</iframe>"
        "<form><label>Your email</label><input name='e'><button>Send</button></form>"
        "</article></body></html>"
    )
    body = extract_body(soup_of(html))
    assert body == (
        "Customs officers at the eastern crossing now check one truck in five, up from"
        " one in twenty last year."
    )


def test_site_config_body_and_ignore_selectors() -> None:
    html = (BODY_DATA / "itemprop_body.html").read_text(encoding="utf-8")
    site = SiteConfig(body=(".about-box",), ignore=(".about-box p:last-child",))
    body = extract_body(soup_of(html), site=site)
    assert body.startswith("The Coastal Review is an independent publication")
    assert "yearly report" not in body
    assert "Bunker fuel" not in body


def test_site_config_body_matching_nothing_falls_back() -> None:
    site = SiteConfig(body=(".no-such-element",))
    assert body_of_file("itemprop_body.html", site).startswith("Bunker fuel suppliers")


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body></body></html>",
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",
        "<p>",
    ],
    ids=["empty", "empty-body", "only-navigation", "fragment"],
)
def test_pages_without_text_give_empty_or_short_body(html: str) -> None:
    assert len(extract_body(soup_of(html)).split()) < 3


@pytest.mark.parametrize("depth", [50, 380])
def test_deeply_nested_markup_keeps_its_text(depth: int) -> None:
    prose = (
        "<p>Deep inside the layout, a paragraph about freight rates still counts as"
        " article text for the reader.</p>"
    )
    html = f"<html><body>{'<div>' * depth}{prose}{'</div>' * depth}</body></html>"
    assert "paragraph about freight rates" in extract_body(soup_of(html))


@pytest.mark.parametrize(
    "heading",
    [
        "Share prices fall",
        "Tel Aviv talks resume",
        "More trouble ahead",
        "Tag der Arbeit",
        "E-mail leaks and the ministry",
        "Comment is free, facts are sacred",
    ],
)
def test_subheadings_that_start_like_labels_are_kept(heading: str) -> None:
    html = (
        "<html><body><article><p>The ministry published its port strategy on Monday,"
        " promising new berths and a faster customs process for exporters.</p>"
        f"<h2>{heading}</h2><p>Critics say the plan repeats promises made five years"
        " ago, when the same berths were announced and never built.</p>"
        "</article></body></html>"
    )
    assert heading in paragraphs(extract_body(soup_of(html)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Share", True),
        ("Lesen Sie auch", True),
        ("À lire aussi : la réforme des ports", True),
        ("Czytaj także", True),
        ("Читайте также", True),
        ("Subscribe to our weekly newsletter for more analysis", True),
        ("November 20, 2019 - 11:28", True),
        ("12.12.2022, 08:30 Uhr", True),
        ("Home | Ports | Shipping | Contact", True),
        ("Share prices fell sharply after the announcement.", False),
        ("In 2019, freight rates rose by a third.", False),
        ("The oversubscription of the port bond surprised the market.", False),
        ("Erwachsene: 3 € (Preis 2019)", False),
    ],
)
def test_boilerplate_lines(text: str, expected: bool) -> None:
    assert is_boilerplate_line(text) is expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Related stories", True),
        ("You might also like", True),
        ("Ähnliche Artikel", True),
        ("Sur le même sujet", True),
        ("3 Comments", True),
        ("Related costs rise at the quay", False),
        ("Comment is free, facts are sacred", False),
    ],
)
def test_headings_that_end_the_article(heading: str, expected: bool) -> None:
    assert ends_article(heading) is expected
