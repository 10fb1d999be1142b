"""Site overrides: the TOML file and its CSS selectors winning over other evidence."""

from __future__ import annotations

import pytest

from indexer.errors import SiteConfigError
from indexer.parse import parse_html
from indexer.siteconfig import SiteConfig, load_site_config

PAGE = b"""<!doctype html><html lang="en"><head>
<title>Generic | Site</title><meta name="author" content="Web Desk">
</head><body>
<div class="promo"><p>Subscribe to our weekly letter for the best of the week.</p></div>
<div class="story">
<h2 class="hed">The Real Headline of the Story</h2>
<span class="writer">Ines Marlow</span>
<span class="stamp">2022-05-04T10:00:00+02:00</span>
<p>The grain corridor reopened on Tuesday after weeks of talks between the parties.</p>
<p>Shipping insurers said premiums would fall once the first convoys had crossed.</p>
<p class="share">Share this article on every network you use.</p>
</div>
<ul class="labels"><li>Grain</li><li>Shipping</li></ul>
</body></html>"""


def test_a_partial_file_is_read_and_missing_keys_are_empty(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text('[selectors]\nbody = "div.story"\n', encoding="utf-8")
    assert load_site_config(path) == SiteConfig(body=("div.story",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[selectors]\nbogus = "x"\n', "unknown key"),
        ("[selectors]\nbody = 3\n", "CSS selector or a list"),
        ('[selectors]\nbody = "div[["\n', "invalid CSS selector"),
        ("body = [\n", "not valid TOML"),
    ],
    ids=["unknown-key", "not-a-string", "bad-selector", "bad-toml"],
)
def test_bad_files_are_usage_errors_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteConfigError, match=message) as info:
        load_site_config(path)
    assert info.value.exit_code == 2


def test_selectors_win_over_every_other_source(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(
        """[selectors]
body = "div.story"
ignore = [".share", ".promo"]
title = "h2.hed"
authors = ".writer"
published = ".stamp"
tags = "ul.labels li"
""",
        encoding="utf-8",
    )
    site = load_site_config(path)
    article = parse_html(PAGE, source="p.html", doc_id="p.html", site=site)
    assert article.title == "The Real Headline of the Story"
    assert article.authors == ("Ines Marlow",)
    assert article.published is not None
    assert article.published.isoformat() == "2022-05-04T10:00:00+02:00"
    assert article.tags == ("Grain", "Shipping")
    assert "grain corridor reopened" in article.body
    assert "Share this article" not in article.body
    assert "Subscribe" not in article.body
