"""Small synthetic article pages for the indexer's pipeline and CLI tests."""

from __future__ import annotations

import gzip
from pathlib import Path

WORDS = (
    "energy tariffs ministers pipeline coalition budget export grain shipping "
    "ceasefire inflation reactor subsidy election turnout parliament treaty "
    "sanctions refinery corridor lithium semiconductor harbour drought reform"
).split()


def paragraphs(seed: int, count: int = 5) -> list[str]:
    """Deterministic filler paragraphs of about thirty words each."""
    out = []
    for p in range(count):
        words = [WORDS[(seed * 7 + p * 5 + i * 3) % len(WORDS)] for i in range(30)]
        out.append(f"Paragraph {p + 1} of article {seed}: " + " ".join(words) + ".")
    return out


def page(
    seed: int,
    *,
    title: str | None = None,
    canonical: str | None = None,
    extra: str = "",
) -> str:
    """An article page with navigation, a headline, five paragraphs and a footer."""
    headline = title or f"Article number {seed} on energy and trade"
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs(seed))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{headline} | Test Review</title>{link}
<meta name="author" content="Jane Doe">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav>
<main><article><h1>{headline}</h1>
{body}
{extra}
</article></main>
<footer><p>Copyright Test Review.</p></footer>
</body></html>
"""


def write_pages(folder: Path, count: int, *, start: int = 0) -> list[Path]:
    """Write ``count`` pages ``page-N.html`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(start, start + count):
        path = folder / f"page-{seed:04d}.html"
        path.write_text(page(seed), encoding="utf-8")
        paths.append(path)
    return paths


def write_gz(path: Path, html: str) -> Path:
    """Write a gzip-compressed page."""
    path.write_bytes(gzip.compress(html.encode("utf-8")))
    return path
