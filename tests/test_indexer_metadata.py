"""indexer.metadata: one case per metadata quirk, on inline HTML and fixture pages."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from indexer import bylines
from indexer.dates import date_from_url, find_date_in_text, parse_date
from indexer.metadata import (
    Metadata,
    build_context,
    extract_authors,
    extract_canonical_url,
    extract_description,
    extract_language,
    extract_metadata,
    extract_published,
    extract_section,
    extract_tags,
    extract_title,
    extract_updated,
    strip_site_name,
)
from indexer.siteconfig import SiteConfig

FIXTURES = Path(__file__).resolve().parent / "data" / "metadata"
SHARED_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def meta(html: str, **kwargs: object) -> Metadata:
    return extract_metadata(soup_of(html), **kwargs)  # type: ignore[arg-type]


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}</head>'
        f"<body>{body}</body></html>"
    )


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


# ------------------------------------------------------------------ fixture pages

FIXTURE_EXPECTED = {
    "jsonld_graph_author_ref.html": {
        "title": "Grain corridors after the truce",
        "authors": ("Ines Marvell",),
        "published": "2023-03-14T08:30:00+02:00",
        "updated": "2023-03-15T10:00:00+02:00",
        "tags": ("Shipping", "Black Sea", "Food security"),
        "section": "Trade",
        "language": "en",
        "site_name": "Harbour Review",
    },
    "kicker_in_h1.html": {
        "title": "Netzausbau stockt im Süden",
        "authors": ("Lena Aldinger", "Malte Brück"),
        "language": "de",
    },
    "wordpress_author_box.html": {
        "title": "Why tariff rebates rarely reach consumers",
        "authors": ("Tomasz Verhoeven",),
        "tags": ("Tariffs", "Retail"),
    },
    "bare_by_span.html": {
        "title": "Drone stocks and the next budget cycle",
        "authors": ("Ada Kowal",),
        "published": "2023-03-02T00:00:00+00:00",
    },
    "label_after_text.html": {"authors": ("Henrike Salm",)},
    "date_after_headline.html": {"published": "2020-03-17T00:00:00+00:00"},
    "utc_vs_local.html": {
        "published": "2022-05-03T23:37:37-04:00",
        "canonical_url": "https://dockside.example/news/port-strike-second-week/",
    },
    "no_metadata.html": {
        "title": "Notes on the coalition talks",
        "authors": ("Ruth Ebner",),
        "published": "2020-05-12T00:00:00+00:00",
        "language": None,
    },
}


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED), ids=str)
def test_fixture_page(name):
    soup = BeautifulSoup((FIXTURES / name).read_bytes(), "lxml")
    before = str(soup)
    result = extract_metadata(soup)
    assert str(soup) == before, "extract_metadata must not mutate the soup"
    for field, expected in FIXTURE_EXPECTED[name].items():
        value = getattr(result, field)
        if isinstance(value, datetime):
            value = value.isoformat()
        assert value == expected, field


def test_every_fixture_has_expectations():
    assert sorted(p.name for p in FIXTURES.glob("*.html")) == sorted(FIXTURE_EXPECTED)


# ------------------------------------------------------------------ title

TITLE_CASES = [
    (
        "site suffix with pipe",
        page("<title>Water rights in the delta | River Desk</title>"),
        "Water rights in the delta",
    ),
    (
        "site suffix matched by og:site_name with a dash",
        page(
            '<meta property="og:site_name" content="River Desk">'
            "<title>Water rights - the delta decides - River Desk</title>"
        ),
        "Water rights - the delta decides",
    ),
    (
        "site prefix",
        page(
            '<meta property="og:site_name" content="River Desk">'
            "<title>River Desk - Water rights in the delta</title>"
        ),
        "Water rights in the delta",
    ),
    (
        "h1 agreeing with og:title wins over a different meta headline",
        page(
            '<meta property="og:title" content="Water rights in the delta">',
            "<h1>Water rights in the delta</h1>",
        ),
        "Water rights in the delta",
    ),
    (
        "visible h1 longer than og:title (quote prefix)",
        page(
            '<meta property="og:site_name" content="River Desk">'
            '<meta property="og:title" content="Farmers lose the case - River Desk">',
            '<h1>"Bitter day": Farmers lose the case</h1>',
        ),
        '"Bitter day": Farmers lose the case',
    ),
    (
        "kicker element in h1 dropped",
        page(
            '<meta property="og:title" content="Court: Farmers lose the water case">',
            '<h1><div class="label">Court</div> Farmers lose the water case</h1>',
        ),
        "Farmers lose the water case",
    ),
    (
        "kicker, separator and headline spans",
        page(
            "",
            '<h1><span class="hl-top">Record orders</span> <span class="hl-colon">: '
            '</span> <span class="hl-main">Aviation suppliers recover</span></h1>',
        ),
        "Aviation suppliers recover",
    ),
    (
        "visually hidden label inside the h1",
        page(
            "",
            '<h1><div><span class="visuallyhidden">Headline:</span> Grid upgrades '
            "stall in the south</div></h1>",
        ),
        "Grid upgrades stall in the south",
    ),
    (
        "HTML entity inside a JSON-LD headline",
        page(ld({"@type": "NewsArticle", "headline": "Ports &#038; rails"})),
        "Ports & rails",
    ),
    (
        "h1 child marked as the headline",
        page(
            "",
            '<h1><span class="sub">Water</span><br><span class="article__headline">'
            "Delta farmers lose the case</span></h1>",
        ),
        "Delta farmers lose the case",
    ),
    (
        "h1 with the site name appended",
        page(
            '<meta property="og:site_name" content="River Desk">'
            '<meta property="og:title" content="Delta farmers lose the water case">',
            "<h1>Delta farmers lose the water case | River Desk</h1>",
        ),
        "Delta farmers lose the water case",
    ),
    (
        "double-escaped entity in og:title",
        page('<meta property="og:title" content="Ports &amp;#038; rails">'),
        "Ports & rails",
    ),
    (
        "JSON-LD headline when no h1",
        page(ld({"@type": "BlogPosting", "headline": "Rail freight outlook"})),
        "Rail freight outlook",
    ),
]


@pytest.mark.parametrize(
    ("html", "expected"),
    [c[1:] for c in TITLE_CASES],
    ids=[c[0] for c in TITLE_CASES],
)
def test_title(html, expected):
    soup = soup_of(html)
    assert extract_title(build_context(soup)) == expected


def test_strip_site_name_keeps_dash_inside_headline():
    assert (
        strip_site_name("Brexit - what happens next", [])
        == "Brexit - what happens next"
    )


# ------------------------------------------------------------------ authors

AUTHOR_CASES = [
    (
        "JSON-LD person preferred over organisation",
        page(
            ld(
                {
                    "@type": "NewsArticle",
                    "author": [
                        {"@type": "Organization", "name": "Delta Wire"},
                        {"@type": "Person", "name": "Ona Petrauskas"},
                    ],
                }
            )
        ),
        ("Ona Petrauskas",),
    ),
    (
        "JSON-LD organisation only when nothing else",
        page(
            ld(
                {
                    "@type": "Article",
                    "author": {"@type": "Organization", "name": "Delta"},
                }
            )
        ),
        ("Delta",),
    ),
    (
        "JSON-LD author on a HowTo node",
        page(ld({"@type": "HowTo", "author": {"@type": "Person", "name": "Ivo Lenz"}})),
        ("Ivo Lenz",),
    ),
    (
        "meta author list with roles and email",
        page(
            '<meta name="author" content="By Kim Osei, Staff Writer, kim@example.org">'
        ),
        ("Kim Osei",),
    ),
    (
        "byline element with two names",
        page(body='<div class="byline">By Jane Doe and John Roe</div>'),
        ("Jane Doe", "John Roe"),
    ),
    (
        "German byline with agency suffix",
        page(
            body='<p class="autorenzeile">Von Anna Berg, Jan Ott und Eva Lind, NDR</p>'
        ),
        ("Anna Berg", "Jan Ott", "Eva Lind"),
    ),
    (
        "French byline",
        page(body="<h1>La dette publique en question</h1><p>Par Claire Dubois</p>"),
        ("Claire Dubois",),
    ),
    (
        "Spanish byline with colon",
        page(body="<h1>El puerto amplía su muelle</h1><p>Por: Lucía Ferrer</p>"),
        ("Lucía Ferrer",),
    ),
    (
        "Dutch byline",
        page(body="<h1>De haven groeit verder</h1><p>Door Sanne de Vries</p>"),
        ("Sanne de Vries",),
    ),
    (
        "view-all-posts link text",
        page(body='<a rel="author" href="/u/1">View all posts by Mara Quist</a>'),
        ("Mara Quist",),
    ),
    (
        "author-page link",
        page(body='<p><a href="https://x.example/author/nils-ek/">Nils Ek</a></p>'),
        ("Nils Ek",),
    ),
    (
        "meta author is the site: the visible byline wins",
        page(
            '<meta property="og:site_name" content="Delta Wire">'
            '<meta name="author" content="Delta Wire">',
            '<span class="author-name">Rhea Tamm</span>',
        ),
        ("Rhea Tamm",),
    ),
    (
        "meta author is an organisation: the visible byline wins",
        page(
            '<meta name="author" content="Example Media GmbH">',
            "<h1>Rail freight outlook for the year</h1><p>By Rhea Tamm</p>",
        ),
        ("Rhea Tamm",),
    ),
    (
        "comment authors and comment form labels are not bylines",
        page(
            body='<div class="comments"><span class="comment-author">Troll Guy</span>'
            '</div><form><p class="comment-form-author">Name</p></form>'
        ),
        (),
    ),
    (
        "author label inside mixed content, title split from the name",
        page(
            body="<h1>Tenancy law after the reform</h1><div>Graphic: stock<br>"
            'Autor: <a href="/lawyers/">Rechtsanwalt</a> Jana Brix</div>'
        ),
        ("Jana Brix",),
    ),
    (
        "a lone first name expanded from the author box",
        page(
            '<meta name="author" content="Lotte">',
            '<div class="author-box"><h4>Lotte Brandt</h4><p>Lotte writes about '
            "rail.</p></div>",
        ),
        ("Lotte Brandt",),
    ),
    (
        "microdata person introduced by a byline word",
        page(
            body="<p>Text of the story.</p><p><em>Von <span itemscope itemtype="
            '"http://schema.org/Person"><meta itemprop="name" content="Ole Sund">'
            "Ole Sund</span></em></p><p><span itemscope itemtype="
            '"http://schema.org/Person"><span itemprop="name">Mentioned Person'
            "</span></span> said.</p>"
        ),
        ("Ole Sund",),
    ),
    (
        "photo credit after the name",
        page('<meta name="author" content="Jens Berg Foto: Mia Holt">'),
        ("Jens Berg",),
    ),
    (
        "team name kept whole",
        page('<meta name="author" content="Support Team">'),
        ("Support Team",),
    ),
    (
        "CMS user name gives way to the byline in the text",
        page(
            body="<h1>Why people turn vegetarian</h1><p>Submitted by <a>webeditor</a> "
            "on 7 July 2019</p><p>A blog post by Mila Kovac</p>"
        ),
        ("Mila Kovac",),
    ),
    (
        "date and name on one line after the headline",
        page(body="<h1>Notes on the budget talks</h1><p>11.12.2019 - Amelie Roth</p>"),
        ("Amelie Roth",),
    ),
    (
        "byline running into the date",
        page(
            body="<h1>Notes on the budget talks</h1><span>By</span> <a>Ada Kowal</a> "
            "<span>Thursday, March 2, 2023</span>"
        ),
        ("Ada Kowal",),
    ),
    (
        "name followed by a weekday in the same piece",
        page(body="<h1>Notes on the budget talks</h1><p>Von Jonas Falk am 3. Mai</p>"),
        ("Jonas Falk",),
    ),
]


@pytest.mark.parametrize(
    ("html", "expected"),
    [c[1:] for c in AUTHOR_CASES],
    ids=[c[0] for c in AUTHOR_CASES],
)
def test_authors(html, expected):
    soup = soup_of(html)
    assert extract_authors(build_context(soup)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        ("Von Anna Berg und Jan Ott", ("Anna Berg", "Jan Ott")),
        ("Par Claire Dubois et Marc Petit", ("Claire Dubois", "Marc Petit")),
        ("Di Giulia Conti e Marco Neri", ("Giulia Conti", "Marco Neri")),
        ("Av Lars Holm og Kari Lund", ("Lars Holm", "Kari Lund")),
        ("Jane Doe (@janedoe)", ("Jane Doe",)),
        ("Jane Doe | Senior Correspondent", ("Jane Doe",)),
        ("Staff", ()),
        ("12 May 2020", ()),
    ],
    ids=lambda v: str(v),
)
def test_split_names(raw, expected):
    assert bylines.split_names(raw) == expected


# ------------------------------------------------------------------ dates

PUBLISHED_CASES = [
    (
        "article:published_time keeps its offset",
        page(
            '<meta property="article:published_time" '
            'content="2021-06-01T09:00:00+02:00">'
        ),
        "2021-06-01T09:00:00+02:00",
    ),
    (
        "naive value becomes UTC",
        page('<meta property="article:published_time" content="2021-06-01T09:00:00">'),
        "2021-06-01T09:00:00+00:00",
    ),
    (
        "JSON-LD datePublished before meta",
        page(
            ld({"@type": "Article", "datePublished": "2020-02-02"})
            + '<meta property="article:published_time" content="2021-06-01">'
        ),
        "2020-02-02T00:00:00+00:00",
    ),
    (
        "broken ISO time in JSON-LD",
        page(ld({"@type": "HowTo", "datePublished": "2022-01-10T22:06:08:684Z"})),
        "2022-01-10T22:06:08.684000+00:00",
    ),
    (
        "microdata datePublished",
        page(body='<span itemprop="datePublished" content="2019-07-07">7 July</span>'),
        "2019-07-07T00:00:00+00:00",
    ),
    (
        "time element marked pubdate",
        page(body='<time datetime="2018-03-04T10:00:00Z" pubdate>4 March</time>'),
        "2018-03-04T10:00:00+00:00",
    ),
    (
        "visible time beats a generic meta date",
        page(
            '<meta name="date" content="2021-12-20">',
            '<time class="date-display-single" datetime="2022-01-25T08:00:00+01:00">'
            "25.01.2022</time>",
        ),
        "2022-01-25T08:00:00+01:00",
    ),
    (
        "comment times are not the publication date",
        page(
            body='<h1>Rail freight outlook</h1><time class="comment__time" '
            'datetime="2020-08-16T12:00:00+02:00">16/08/2020</time>'
            '<p class="meta-date">11 August 2020</p>'
        ),
        "2020-08-11T00:00:00+00:00",
    ),
    (
        "date in the URL path",
        page('<link rel="canonical" href="https://x.example/2017/06/07/some-story/">'),
        "2017-06-07T00:00:00+00:00",
    ),
    (
        "UTC value one day after the URL date is the local date",
        page(
            '<link rel="canonical" href="https://x.example/2020/02/17/story/">'
            + ld({"@type": "NewsArticle", "datePublished": "2020-02-18T02:18:11Z"})
        ),
        "2020-02-17T00:00:00+00:00",
    ),
    (
        "UTC value at midday keeps its date despite the URL",
        page(
            '<link rel="canonical" href="https://x.example/2020/07/08/story/">'
            + ld({"@type": "NewsArticle", "datePublished": "2020-07-09T10:04:04Z"})
        ),
        "2020-07-09T10:04:04+00:00",
    ),
    (
        "German date under the headline",
        page(
            body="<h1>Neuartige Löschtechnik vorgestellt</h1>"
            "<p><span>Hamburg, 2. November 2021</span></p>",
            lang="de",
        ),
        "2021-11-02T00:00:00+00:00",
    ),
    (
        "date element right above the headline beats a date in the text",
        page(
            body='<p class="published-date">17 May 2020</p><h1>Copper prices rebound '
            "</h1><p>The metal closed at its highest level since 6 March 2002.</p>"
        ),
        "2020-05-17T00:00:00+00:00",
    ),
    (
        "photo caption dates are skipped",
        page(
            body="<h1>Protesters gather at the theatre</h1><figure><img src=a.jpg>"
            "<figcaption>Crowds on January 16, 2020. Photo agency</figcaption>"
            "</figure><p>January 18, 2020</p><p>Text.</p>"
        ),
        "2020-01-18T00:00:00+00:00",
    ),
    (
        "Romanian date in a date element",
        page(
            body='<h1>Fete în IT</h1><div class="story-date">Unica, 20 septembrie 2020 '
            "16:20</div>",
            lang="ro",
        ),
        "2020-09-20T00:00:00+00:00",
    ),
    (
        "en-GB numeric date is day first",
        page(
            body='<h1>Student halls too full</h1><span class="time">02/10/2020</span>'
        ).replace('lang="en"', 'lang="en-GB"'),
        "2020-10-02T00:00:00+00:00",
    ),
    (
        "en-US numeric date is month first",
        page(
            body='<h1>Student halls too full</h1><span class="time">02/10/2020</span>'
        ).replace('lang="en"', 'lang="en-US"'),
        "2020-02-10T00:00:00+00:00",
    ),
    (
        "machine-written slash date in meta is month first",
        page('<meta name="date" content="11/01/2023 12:43:42">', lang="de"),
        "2023-11-01T12:43:42+00:00",
    ),
    (
        "time-only text never becomes today",
        page(body="<h1>Markets at noon</h1><time>15:32</time>"),
        None,
    ),
    (
        "modification date as a last resort",
        page('<meta property="article:modified_time" content="2019-05-05T05:05:05Z">'),
        "2019-05-05T05:05:05+00:00",
    ),
]


@pytest.mark.parametrize(
    ("html", "expected"),
    [c[1:] for c in PUBLISHED_CASES],
    ids=[c[0] for c in PUBLISHED_CASES],
)
def test_published(html, expected):
    soup = soup_of(html)
    value = extract_published(build_context(soup))
    assert (value.isoformat() if value else None) == expected


@pytest.mark.parametrize(
    ("dateline", "published", "updated"),
    [
        (
            "27 January 2025 &middot; Updated 29 January 2025",
            "2025-01-27",
            "2025-01-29",
        ),
        ("12.03.2021, aktualisiert am 14.03.2021", "2021-03-12", "2021-03-14"),
        ("Publié le 2 mai 2022, mis à jour le 3 mai 2022", "2022-05-02", "2022-05-03"),
        ("3 May 2022", "2022-05-03", None),
    ],
    ids=["english", "german", "french", "no update"],
)
def test_updated_written_in_the_dateline(dateline, published, updated):
    soup = soup_of(
        page(body=f'<h1>Gulf money in East Africa</h1><div class="x">{dateline}</div>')
    )
    ctx = build_context(soup)
    found_published = extract_published(ctx)
    found_updated = extract_updated(ctx)
    assert found_published is not None
    assert found_published.date().isoformat() == published
    assert (found_updated.date().isoformat() if found_updated else None) == updated


def test_updated_from_jsonld_and_time():
    soup = soup_of(
        page(body='<time class="updated" datetime="2020-01-02T03:04:05+01:00">x</time>')
    )
    value = extract_updated(build_context(soup))
    assert value == datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12. Mai 2020", (2020, 5, 12)),
        ("12 de mayo de 2020", (2020, 5, 12)),
        ("May 12th, 2020", (2020, 5, 12)),
        ("le 3 février 2019", (2019, 2, 3)),
        ("3 marzo 2018", (2018, 3, 3)),
        ("12 мая 2020 г.", (2020, 5, 12)),
        ("2020年5月12日", (2020, 5, 12)),
        ("Stand: 01.11.2023 11:35", (2023, 11, 1)),
        ("nothing here", None),
        ("31.02.2020", None),
    ],
    ids=str,
)
def test_find_date_in_text(text, expected):
    value = find_date_in_text(text)
    assert (value.timetuple()[:3] if value else None) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-05-12T10:00:00+0200", "2020-05-12T10:00:00+02:00"),
        ("1589270400", "2020-05-12T08:00:00+00:00"),
        ("Jun 3, 2019 10:00 EDT", "2019-06-03T10:00:00-04:00"),
        ("2020", None),
        ("1850-01-01", None),
        ("", None),
    ],
    ids=str,
)
def test_parse_date(raw, expected):
    value = parse_date(raw)
    assert (value.isoformat() if value else None) == expected


def test_parse_date_unknown_zone_name_does_not_warn():
    value = parse_date("March 3, 2021 10:00 XYZT")
    assert value is not None and value.date().isoformat() == "2021-03-03"


def test_parse_date_rejects_far_future():
    future = (datetime.now(UTC) + timedelta(days=400)).strftime("%Y-%m-%d")
    assert parse_date(future) is None


def test_date_from_url():
    assert date_from_url("https://x.example/news/20190304-slug.html") == datetime(
        2019, 3, 4, tzinfo=UTC
    )
    assert date_from_url("https://x.example/p/4982125.html") is None


def test_date_from_url_day_first_segment():
    assert date_from_url("https://x.example/press/notes/29-10-2021") == datetime(
        2021, 10, 29, tzinfo=UTC
    )
    assert date_from_url("https://x.example/press/29-10-2021-slug") is None


#: Failure modes of real pages, one original page each (the date the reader sees).
SHOWN_DATE_CASES = [
    (
        "JSON-LD followed by a stray closing brace is still read",
        page(
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2020-10-26T18:10:00+01:00"}}</script>',
            '<h1>Harbour cranes idle again</h1><ul><li class="date">09.08.2020</li>'
            "</ul>",
        ),
        "2020-10-26",
    ),
    (
        "UTC time repeated by a meta date with the local offset",
        page(
            ld({"@type": "Article", "datePublished": "2019-10-18T22:04:00Z"})
            + '<meta name="date" content="Sat, 19 Oct 2019 00:04:00 +0200">'
        ),
        "2019-10-19",
    ),
    (
        "the date shown under the headline is the declared modification date",
        page(
            ld(
                {
                    "@type": "Article",
                    "datePublished": "2021-03-16T16:16:10Z",
                    "dateModified": "2021-03-20T14:00:17Z",
                }
            ),
            "<h1>Lockdown extended by four weeks</h1><p>20. März 2021 - 15:00 Uhr</p>"
            "<p>Body text of the story, long enough to be a paragraph.</p>",
            lang="de",
        ),
        "2021-03-20",
    ),
    (
        "a URL holding the declared date keeps it over a shown update date",
        page(
            '<link rel="canonical" href="https://x.example/2019/11/18/markets/">'
            + ld(
                {
                    "@type": "NewsArticle",
                    "datePublished": "2019-11-19T02:34:30Z",
                    "dateModified": "2019-11-19T03:39:39Z",
                }
            ),
            "<h1>Asian markets open lower</h1><p>Updated 0339 GMT November 19, "
            "2019</p>",
        ),
        "2019-11-18",
    ),
    (
        "UTC late evening shown as the next local day",
        page(
            '<meta property="article:published_time" content="2021-11-04T23:00Z">',
            "<h1>Local elections in the north</h1><p>5. November 2021</p>",
            lang="de",
        ),
        "2021-11-05",
    ),
    (
        "a time in a comment thread is skipped",
        page(
            body="<h1>Episode 158: fusion</h1><p>Veröffentlicht am 16.08.2019</p>"
            '<ol class="comment-list"><li><article><footer><div><a href="#c1">'
            '<time datetime="2019-08-24T03:36:11+02:00">24. August 2019</time></a>'
            "</div></footer></article></li></ol>",
            lang="de",
        ),
        "2019-08-16",
    ),
    (
        "a labelled publication date beats a date element labelled as update",
        page(
            body="<h1>New president elected</h1><p>A teaser paragraph about the "
            "vote that runs on for a while and is longer than the scan window, so "
            "that the date after it is not in the text right under the headline, "
            "which is what this case needs; more words, more words, more words, "
            "more words, more words, more words and more words.</p>"
            "<span>Erschienen am:</span><h2>13.10.2021</h2>"
            '<h4>Zuletzt geändert am:</h4><ul><li class="timestamp-item">15.10.2021'
            "</li></ul>",
            lang="de",
        ),
        "2021-10-13",
    ),
    (
        "Drupal 'submitted' line beats a date in the text",
        page(
            body="<h1>Summer camp in the Jura</h1><div><p>We travel there on "
            "23.-26.8.2017 with the whole team.</p></div>"
            '<div class="submitted">Gespeichert von <span>ana</span> am 24. Juli '
            "2017 - 18:55</div>",
            lang="de",
        ),
        "2017-07-24",
    ),
    (
        "the page header's 'today' time far above the headline is skipped",
        page(
            body='<header><time datetime="2023-11-01T13:56:20+01:00">Mittwoch, 01. '
            "November 2023</time>"
            + "<nav><ul>"
            + "<li><a href='/s'>Section</a></li>" * 30
            + "</ul></nav>"
            "</header><h1>Drag queens on and off stage</h1>"
            "<p>Von Georg Ander 31. Oktober 2023.</p>",
            lang="de",
        ),
        "2023-10-31",
    ),
    (
        "publication key in an inline data script",
        page(
            body='<h1>Great service</h1><script>window.__DATA__ = {"review": '
            '{"publishedDate": "2016-11-04T20:37:27Z"}};</script><p>Text.</p>'
        ),
        "2016-11-04",
    ),
    (
        "no metadata at all: the labelled date in the page's text",
        page(
            body="<div>Sources: Annals, 15. Januar 2021.</div><p>Some text.</p>"
            "<p>Aktualisiert am 17.01.2021.</p>",
            lang="de",
        ),
        "2021-01-17",
    ),
    (
        "no metadata at all: the first date in the page's text",
        page(body="<div><b>Forum rules</b> posted 26.10.13 by the admins.</div>"),
        "2013-10-26",
    ),
    (
        "a date line of its own beats a date inside a long caption",
        page(
            body="<h1>Protesters gather at the theatre</h1><div><img src=a.jpg><br>"
            "FILE PHOTO: The president speaks at an air base, January 16, 2020. "
            "Photographer/Pool</div><p>January 18, 2020</p><p>Text.</p>"
        ),
        "2020-01-18",
    ),
    (
        "a date right above the headline beats a generic meta date",
        page(
            '<meta name="dc.Date" content="2020-03-03">',
            "<div>Original Research <span>7 April 2020</span></div>"
            "<h1>Influenza vaccination and hospital stays</h1><p>A. Author</p>",
        ),
        "2020-04-07",
    ),
    (
        "dates of teaser list items are skipped",
        page(
            '<meta name="date" content="2020-02-11">',
            "<h1>Rioja, Spain</h1><p>" + "Text about the wine region. " * 12 + "</p>"
            "<ul><li>"
            '<span class="datum">29.02.2020</span> <a href="/e/1">Tempranillo '
            "tasting with tapas menu</a></li></ul>",
            lang="de",
        ),
        "2020-02-11",
    ),
    (
        "microdata dates that disagree give way to the meta tag",
        page(
            '<meta property="article:published_time" content="2017-04-12T18:33:59">',
            '<meta itemprop="datePublished" content="2020-02-19">'
            '<meta itemprop="datePublished" content="2019-02-12">',
        ),
        "2017-04-12",
    ),
    (
        "a 'Stand:' date element is the page's date",
        page(
            body='<h1>Travel advice</h1><p class="date-line">Stand - 12.11.2021</p>'
            '<ul><li><span class="date">04.11.2021</span> Other note</li></ul>',
            lang="de",
        ),
        "2021-11-12",
    ),
]


@pytest.mark.parametrize(
    ("html", "expected"),
    [c[1:] for c in SHOWN_DATE_CASES],
    ids=[c[0] for c in SHOWN_DATE_CASES],
)
def test_published_date_shown(html, expected):
    soup = soup_of(html)
    value = extract_published(build_context(soup))
    assert (value.date().isoformat() if value else None) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            page(
                ld(
                    {
                        "@type": "Article",
                        "author": {"@type": "Person", "name": "Kai Dorn"},
                    }
                )
                + '<meta name="author" content="Jessica Hale, Gail Levin">',
                '<h1>Crash on the highway</h1><p class="byline">By '
                '<a href="/author/jessica-hale/">Jessica Hale</a> and Gail Levin</p>',
            ),
            ("Jessica Hale", "Gail Levin"),
        ),
        (
            page(
                ld(
                    {
                        "@type": "Article",
                        "author": {"@type": "Person", "name": "Kai Dorn"},
                    }
                ),
                "<h1>Crash on the highway</h1><p>By Jessica Hale</p>",
            ),
            ("Kai Dorn",),
        ),
        (
            page(
                body="<small>04.02.2022 | 13:10 Uhr | Uta Berning</small>"
                "<h1>Statement on the pilot year</h1><p>Text.</p>",
                lang="de",
            ),
            ("Uta Berning",),
        ),
        (
            page(
                ld({"@type": "Article", "author": {"@type": "Person", "name": "mh"}}),
                "<h1>Cup match lost away</h1><p>Text of the report.</p>",
            ),
            ("mh",),
        ),
    ],
    ids=[
        "JSON-LD author outvoted by meta, links and byline",
        "one visible byline does not outvote JSON-LD",
        "dateline with the name right above the headline",
        "editor's initials as the declared author",
    ],
)
def test_authors_against_the_page(html, expected):
    soup = soup_of(html)
    assert extract_authors(build_context(soup)) == expected


# ------------------------------------------------------------------ tags, section...

TAG_CASES = [
    (
        "rel=tag links",
        page(
            body='<a rel="tag" href="/t/a">Energy</a> <a rel="tag" href="/t/b">Grid</a>'
        ),
        ("Energy", "Grid"),
    ),
    (
        "links to tag pages inside a tag list",
        page(
            body='<div class="post-tags"><a href="/tag/ports/">Ports</a>'
            '<a href="/tag/rail/">#Rail</a></div><a href="/tag/other/">Nav</a>'
        ),
        ("Ports", "Rail"),
    ),
    (
        "tag links after a 'Filed under' label",
        page(
            body='<div class="x">Filed under: <a href="/tag/ports/">Ports</a>, '
            '<a href="/tag/rail/">Rail</a></div>'
        ),
        ("Ports", "Rail"),
    ),
    (
        "sidebar tag cloud and category links are not the article's tags",
        page(
            body='<span class="cat-links"><a rel="category tag" href="/c/e">Energy</a>'
            '</span><span class="tags-links"><a rel="tag" href="/t/gas/">Gas</a></span>'
            '<aside><div class="tagcloud"><a rel="tag" href="/t/oil/">Oil</a></div>'
            '</aside><section class="widget"><a href="/t/x/" rel="tag">X</a></section>'
        ),
        ("Gas",),
    ),
    (
        "article:tag meta",
        page(
            '<meta property="article:tag" content="Trade">'
            '<meta property="article:tag" content="trade">'
            '<meta property="article:tag" content="Tariffs">'
        ),
        ("Trade", "Tariffs"),
    ),
    (
        "JSON-LD keywords list",
        page(ld({"@type": "Article", "keywords": ["Oil", "OPEC"]})),
        ("Oil", "OPEC"),
    ),
    (
        "keywords meta split on commas",
        page('<meta name="keywords" content="oil, gas , coal">'),
        ("oil", "gas", "coal"),
    ),
]


@pytest.mark.parametrize(
    ("html", "expected"),
    [c[1:] for c in TAG_CASES],
    ids=[c[0] for c in TAG_CASES],
)
def test_tags(html, expected):
    soup = soup_of(html)
    assert extract_tags(build_context(soup)) == expected


def test_section_description_language_canonical():
    soup = soup_of(
        page(
            '<meta property="article:section" content="Energy">'
            '<meta name="description" content="  A short   summary. ">'
            '<link rel="canonical" href="/2020/01/02/story/">',
            lang="pt-BR",
        )
    )
    ctx = build_context(soup, url="https://news.example/x?utm=1")
    assert extract_section(ctx) == "Energy"
    assert extract_description(ctx) == "A short summary."
    assert extract_language(ctx) == "pt"
    assert extract_canonical_url(ctx) == "https://news.example/2020/01/02/story/"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<a rel="category tag" href="/category/energy/">Energy</a>', "Energy"),
        (
            '<div class="breadcrumbs"><a href="/">Home</a> &raquo; '
            '<a href="/trade/">Trade</a> &raquo; <span>This story</span></div>',
            "Trade",
        ),
        ('<div class="crumbs"><a href="/">Startseite</a></div>', None),
    ],
    ids=["wordpress category link", "breadcrumb trail", "breadcrumb with home only"],
)
def test_section_from_page_conventions(body, expected):
    soup = soup_of(page(body=body))
    assert extract_section(build_context(soup)) == expected


def test_language_from_jsonld_when_html_has_none():
    soup = soup_of("<html><head>" + ld({"@type": "Article", "inLanguage": "fr-FR"}))
    assert extract_language(build_context(soup)) == "fr"


def test_broken_jsonld_is_ignored():
    html = page(
        '<script type="application/ld+json">{"@type": "Article", "headline": </script>'
        + ld(
            {
                "@type": "Article",
                "headline": "Second block works",
            }
        )
    )
    assert meta(html).title == "Second block works"


def test_site_selectors_override_everything():
    html = page(
        '<meta property="og:title" content="Meta title">'
        '<meta name="author" content="Meta Author">',
        '<h1>Meta title</h1><div class="kop">Custom headline</div>'
        '<span class="wie">Lis Amberg</span><span class="wanneer">2015-05-05</span>'
        '<a class="lbl">One</a><a class="lbl">Two</a><b class="rubriek">Economy</b>',
    )
    site = SiteConfig(
        title=(".kop",),
        authors=(".wie",),
        published=(".wanneer",),
        tags=("a.lbl",),
        section=(".rubriek",),
    )
    result = meta(html, site=site)
    assert result.title == "Custom headline"
    assert result.authors == ("Lis Amberg",)
    assert result.published == datetime(2015, 5, 5, tzinfo=UTC)
    assert result.tags == ("One", "Two")
    assert result.section == "Economy"


def test_empty_page():
    assert meta("") == Metadata()


def test_a_large_page_of_dated_links_is_extracted():
    # (its extraction time is measured by ``make bench`` and ``make eval``)
    rows = "".join(
        f'<div class="item-{i} meta"><a href="/p/{i}">Link {i}</a>'
        f'<span class="date">{i % 28 + 1}.01.2020</span></div>'
        for i in range(3000)
    )
    soup = soup_of(page("<title>Big</title>", f"<h1>Big page title here</h1>{rows}"))
    assert extract_metadata(soup).title == "Big"  # the <title>, not a link


# ------------------------------------------------------------------ real pages


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DEV / "extraction-dev").is_dir(), reason="no eval data")
def test_dev_set_never_crashes():
    dev = SHARED_DEV / "extraction-dev"
    lines = (dev / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[:60]:
        row = json.loads(line)
        html = gzip.decompress((dev / row["html"]).read_bytes())
        result = extract_metadata(BeautifulSoup(html, "lxml"))
        assert result.published is None or result.published.tzinfo is not None


# ------------------------------------------------------------------ example articles

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = sorted((EXAMPLES / "expected").glob("*.json"))


def _iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.stem)
def test_example_article_metadata(expected_path):
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    pages = sorted((EXAMPLES / "articles").glob(f"{expected_path.stem}.htm*"))
    if not pages:
        pytest.skip(f"{expected_path.stem}: page not written yet")
    data = pages[0].read_bytes()
    if pages[0].suffix == ".gz":
        data = gzip.decompress(data)
    result = extract_metadata(BeautifulSoup(data, "lxml"))
    assert result.title == expected["title"]
    assert list(result.authors) == expected["authors"]
    assert result.published == _iso(expected["published"])
    assert result.updated == _iso(expected.get("updated"))
    assert list(result.tags) == expected["tags"]
    assert (result.section or "") == (expected.get("section") or "")
    if expected["id"].startswith("http"):
        assert result.canonical_url == expected["url"]


def test_json_ld_nested_beyond_the_decoders_limit_is_ignored_not_fatal():
    depth = 5000
    script = '{"a":' * depth + "1" + "}" * depth
    html = (
        '<html><head><script type="application/ld+json">'
        + script
        + '</script><meta name="author" content="Ada Quill"></head>'
        + "<body><article><h1>Deep data</h1><p>Some text.</p></article></body></html>"
    )
    meta = extract_metadata(BeautifulSoup(html, "lxml"))
    assert meta.title == "Deep data"
    assert meta.authors == ("Ada Quill",)
