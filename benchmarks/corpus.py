"""Generate a synthetic publication: N article pages, deterministically from a seed.

The pages go through the example templates of ``examples/render.py`` (WordPress,
newsroom, magazine, minimal and bare layouts with their navigation, related posts,
comments and JSON-LD), so the indexer parses exactly the kind of HTML it meets on
real sites. What is in them:

* words drawn from a Zipf (Zipf-Mandelbrot) distribution over a vocabulary of real
  English words (those of ``examples/content``, ranked by their frequency there)
  followed by a long tail of made-up words, plus a share of topical words tied to
  the article's tags, so that related posts and facets mean something;
* bodies of 300 to 3,000 words (log-normal, median about 900) in paragraphs,
  subheadings, pull quotes and bullet lists;
* 1 to 3 authors from a pool of 150 names, 3 to 8 tags from a few hundred, one of
  the six sections, and a publication date within ten years (2015-2024), with an
  update date on a fifth of the articles.

Usage::

    python -m benchmarks.corpus 1000 var/corpus --seed 7 --jsonl var/corpus.jsonl

The JSONL file holds the fielded document a perfect extractor returns for each
page (``expected_document`` of ``examples/render.py``), which is what the SQLite
FTS5 baseline indexes and what ``analysis-search index --jsonl`` reads.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RENDER_PATH = ROOT / "examples" / "render.py"

#: Bumped whenever the generator's output changes (cached corpora are rebuilt).
GENERATOR_VERSION = 2
DEFAULT_SEED = 20240601
#: Vocabulary size: real words first, made-up words after them.
VOCABULARY_SIZE = 40_000
#: Zipf-Mandelbrot exponent and offset of word ranks.
ZIPF_S = 1.05
ZIPF_Q = 2.7
MIN_WORDS, MAX_WORDS, MEDIAN_WORDS = 300, 3000, 900
#: Share of an article's words drawn from the topical words of its tags.
TOPIC_SHARE = 0.12
TOPIC_WORDS_PER_TAG = 25
N_TAGS = 300
N_AUTHORS = 150
FIRST_YEAR, YEARS = 2015, 10
#: Share of articles with an ``updated`` date.
UPDATED_SHARE = 0.2

REGIONS = (
    "Africa", "Argentina", "Asia", "Australia", "Baltic States", "Balkans", "Brazil",
    "Canada", "Caucasus", "Central Asia", "Chile", "China", "Colombia", "Egypt",
    "Ethiopia", "European Union", "France", "Germany", "Greece", "Gulf States",
    "India", "Indonesia", "Iran", "Israel", "Italy", "Japan", "Kazakhstan", "Kenya",
    "Latin America", "Mexico", "Middle East", "Morocco", "Nigeria", "Nordics",
    "Pakistan", "Philippines", "Poland", "Qatar", "Russia", "Saudi Arabia", "Serbia",
    "South Africa", "South Korea", "Spain", "Taiwan", "Türkiye", "Ukraine",
    "United Kingdom", "United States", "Vietnam",
)  # fmt: skip
TOPICS = (
    "Agriculture", "Arms Control", "Artificial Intelligence", "Banking", "Borders",
    "Carbon Markets", "Central Banks", "Climate Policy", "Coal", "Corruption",
    "Critical Minerals", "Cybersecurity", "Debt", "Defence Spending", "Democracy",
    "Demographics", "Diplomacy", "Drones", "Education", "Elections", "Electricity",
    "Energy", "Fisheries", "Food Security", "Gas Pipelines", "Health", "Housing",
    "Human Rights", "Hydrogen", "Industrial Policy", "Inflation", "Infrastructure",
    "Labour Markets", "Migration", "Mining", "Natural Gas", "Nuclear Power", "Oil",
    "Pensions", "Polling", "Ports", "Public Finance", "Railways", "Refugees",
    "Renewables", "Sanctions", "Semiconductors", "Shipping", "Space", "Supply Chains",
    "Tariffs", "Taxation", "Technology", "Telecoms", "Terrorism", "Trade", "Water",
)  # fmt: skip
FIRST_NAMES = (
    "Aisha", "Amara", "Anders", "Ana", "Björn", "Carlos", "Chen", "Clara", "David",
    "Dmitri", "Elena", "Farah", "Fatima", "Hannah", "Hiroshi", "Ingrid", "Isabel",
    "James", "José", "Karim", "Kwame", "Lena", "Leila", "Lucía", "Marcus", "Maria",
    "Mehmet", "Nadia", "Noor", "Olga", "Omar", "Pavel", "Priya", "Rafael", "Rania",
    "Samir", "Selin", "Sofia", "Tomás", "Wei", "Yuki", "Zoë",
)  # fmt: skip
LAST_NAMES = (
    "Abebe", "Adeyemi", "Arıkan", "Åström", "Bauer", "Bianchi", "Castro", "Chowdhury",
    "Dubois", "Eriksson", "Feld", "Fischer", "García", "Haddad", "Herrera", "Ibáñez",
    "Ivanova", "Jensen", "Kaplan", "Kessler", "Kim", "Kowalski", "Lindqvist", "Mensah",
    "Moreau", "Müller", "Nakamura", "Novak", "Nwosu", "Okafor", "Olsen", "Park",
    "Petrov", "Raman", "Rossi", "Santos", "Schmidt", "Sharma", "Silva", "Singh",
    "Tanaka", "Torres", "Van Dijk", "Wang", "Weber", "Yilmaz", "Zhang",
)  # fmt: skip
ONSETS = (
    "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p",
    "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z",
)  # fmt: skip
VOWELS = ("a", "a", "e", "e", "i", "o", "o", "u", "ai", "ea", "ou")
CODAS = ("", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rt", "st")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def load_render() -> ModuleType:
    """Import ``examples/render.py`` (not a package) as the module ``examples_render``.

    Returns:
        The module (``render_article``, ``expected_document``, ``TEMPLATES``, ...).
    """
    name = "examples_render"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, RENDER_PATH)
    if spec is None or spec.loader is None:  # pragma: no cover - missing file
        raise ImportError(f"cannot load {RENDER_PATH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- vocabulary, tags and authors --------------------------------------------------
def real_words(render: ModuleType) -> list[str]:
    """Lower-case words of the English example articles' bodies, most frequent
    first (the synthetic corpus is English)."""
    counts: Counter[str] = Counter()
    for article in render.load_articles():
        if article.get("language", "en") != "en":
            continue
        text = article["body"] + " " + article["title"] + " " + article["summary"]
        counts.update(w.lower() for w in _WORD.findall(text))
    return [w for w, _ in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))]


def made_up_words(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    """``n`` pronounceable made-up words (2-4 syllables) not in ``taken``."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        word = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
            for _ in range(rng.choice((2, 2, 2, 3, 3)))
        )
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


def tag_names(rng: random.Random, n: int = N_TAGS) -> list[str]:
    """``n`` tag names: topics, regions and "region topic" pairs, shuffled."""
    names = list(TOPICS) + list(REGIONS)
    pairs = [f"{r} {t}" for r in REGIONS for t in TOPICS]
    rng.shuffle(pairs)
    names += pairs[: max(0, n - len(names))]
    rng.shuffle(names)
    return names[:n]


def author_names(rng: random.Random, n: int = N_AUTHORS) -> list[str]:
    """``n`` distinct "First Last" names."""
    pairs = [f"{f} {last}" for f in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(pairs)
    return pairs[:n]


def zipf_cum_weights(n: int, s: float = ZIPF_S, q: float = ZIPF_Q) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights ``1 / (rank + q) ** s`` of ranks 1..n."""
    total = 0.0
    out: list[float] = []
    for rank in range(1, n + 1):
        total += 1.0 / (rank + q) ** s
        out.append(total)
    return out


# --- articles -----------------------------------------------------------------------
@dataclass(frozen=True)
class Generated:
    """One generated article: the render dict and where its page is written."""

    article: dict[str, Any]
    relpath: str


class Generator:
    """Deterministic article generator (the same seed gives the same articles)."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        """Build the vocabulary, tags, authors and topical words from ``seed``."""
        self.render = load_render()
        self.rng = random.Random(seed)
        real = real_words(self.render)[:VOCABULARY_SIZE]
        self.vocabulary = real + made_up_words(
            self.rng, VOCABULARY_SIZE - len(real), set(real)
        )
        self.cum_weights = zipf_cum_weights(len(self.vocabulary))
        self.tags = tag_names(self.rng)
        self.tag_weights = zipf_cum_weights(len(self.tags), s=0.8, q=5.0)
        self.authors = author_names(self.rng)
        self.author_weights = zipf_cum_weights(len(self.authors), s=0.7, q=5.0)
        # topical words: mid-frequency real words, a fixed handful per tag
        lo, hi = 100, max(len(real), 2_000)
        self.topic_words = {
            tag: self.rng.sample(self.vocabulary[lo:hi], TOPIC_WORDS_PER_TAG)
            for tag in self.tags
        }
        self.sections = list(self.render.SECTIONS)
        self.templates = sorted(self.render.TEMPLATES)
        self._slugs: set[str] = set()

    def _pick(self, items: Sequence[str], cum: Sequence[float], k: int) -> list[str]:
        out: list[str] = []
        while len(out) < k:
            item = self.rng.choices(items, cum_weights=cum)[0]
            if item not in out:
                out.append(item)
        return out

    def _length(self) -> int:
        value = math.exp(self.rng.gauss(math.log(MEDIAN_WORDS), 0.6))
        return max(MIN_WORDS, min(MAX_WORDS, int(value)))

    def _words(self, n: int, topical: Sequence[str]) -> list[str]:
        words = self.rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=n)
        k = int(n * TOPIC_SHARE)
        for pos, word in zip(
            self.rng.sample(range(n), k), self.rng.choices(topical, k=k), strict=True
        ):
            words[pos] = word
        return words

    def _sentence(self, words: list[str]) -> str:
        if len(words) > 6 and self.rng.random() < 0.08:
            # a year, in place of the last two words (the word count stays exact)
            words = [*words[:-2], "in", str(self.rng.randrange(1990, 2025))]
        text = " ".join(words)
        if len(words) > 12 and self.rng.random() < 0.5:
            cut = self.rng.randrange(4, len(words) - 4)
            text = " ".join(words[:cut]) + ", " + " ".join(words[cut:])
        return text[0].upper() + text[1:] + "."

    def _body(self, n: int, topical: Sequence[str]) -> str:
        words = self._words(n, topical)
        rng = self.rng
        blocks: list[str] = []
        i = 0
        since_heading = 0
        while i < len(words):
            roll = rng.random()
            if since_heading >= 4 and roll < 0.25 and len(words) - i > 40:
                k = rng.randint(3, 6)
                heading = " ".join(words[i : i + k])
                blocks.append("## " + heading[0].upper() + heading[1:])
                i += k
                since_heading = 0
                continue
            if blocks and roll < 0.06:
                k = rng.randint(10, 22)
                blocks.append("> " + self._sentence(words[i : i + k]))
                i += k
                continue
            if blocks and roll < 0.10:
                items = []
                for _ in range(rng.randint(3, 5)):
                    k = rng.randint(5, 12)
                    if i + k > len(words):
                        break
                    items.append("- " + self._sentence(words[i : i + k]))
                    i += k
                if items:
                    blocks.append("\n".join(items))
                continue
            sentences = []
            for _ in range(rng.randint(2, 6)):
                k = rng.randint(8, 28)
                if i >= len(words):
                    break
                sentences.append(self._sentence(words[i : i + k]))
                i += k
            blocks.append(" ".join(sentences))
            since_heading += 1
        return "\n\n".join(blocks) + "\n"

    def _date(self) -> datetime:
        start = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
        span = int(timedelta(days=365.25 * YEARS).total_seconds())
        seconds = self.rng.randrange(span)
        offset = timezone(timedelta(hours=self.rng.choice((0, 0, 1, 2, 3, -5, 8))))
        moment = (start + timedelta(seconds=seconds)).replace(second=0)
        return moment.astimezone(offset)

    def article(self, number: int) -> Generated:
        """Article ``number`` (1-based) of the publication."""
        rng = self.rng
        tags = self._pick(self.tags, self.tag_weights, rng.randint(3, 8))
        authors = self._pick(self.authors, self.author_weights, rng.randint(1, 3))
        topical = [w for t in tags for w in self.topic_words[t]]
        title_words = self._words(rng.randint(5, 11), topical)
        title_words[:2] = rng.sample(topical, 2)
        title = " ".join(w[0].upper() + w[1:] for w in title_words)
        summary = self._sentence(self._words(rng.randint(18, 32), topical))
        published = self._date()
        updated = None
        if rng.random() < UPDATED_SHARE:
            updated = published + timedelta(days=rng.randint(1, 300), hours=3)
        slug = self.render.slugify(title)[:70].strip("-") or f"article-{number}"
        if slug in self._slugs:
            slug = f"{slug}-{number}"
        self._slugs.add(slug)
        article = {
            "number": number,
            "slug": slug,
            "title": title,
            "authors": authors,
            "published": published.isoformat(),
            "updated": updated.isoformat() if updated else None,
            "tags": tags,
            "section": rng.choice(self.sections),
            "summary": summary,
            "template": self.templates[number % len(self.templates)],
            "body": self._body(self._length(), topical),
        }
        return Generated(article, f"{published.year}/{slug}.html")


def generate(n: int, seed: int = DEFAULT_SEED) -> Iterator[Generated]:
    """The first ``n`` articles of the publication of ``seed``."""
    gen = Generator(seed)
    for number in range(1, n + 1):
        yield gen.article(number)


def fielded_document(render: ModuleType, item: Generated) -> dict[str, Any]:
    """The fielded document (``index --jsonl`` shape) a perfect extractor returns."""
    doc = dict(render.expected_document(item.article, item.relpath))
    doc["language"] = "en"
    doc["word_count"] = len(doc["body"].split())
    doc["source"] = item.relpath
    return doc


def write_corpus(
    folder: Path, n: int, seed: int = DEFAULT_SEED, jsonl: Path | None = None
) -> int:
    """Write ``n`` pages under ``folder`` (``YEAR/slug.html``) and optionally the JSONL.

    Every page lists the two previous articles as related and recent posts, as a
    real site's widgets would.

    Args:
        folder: Destination folder (created).
        n: Number of articles.
        seed: Generator seed.
        jsonl: Where to write the fielded documents, one JSON object a line.

    Returns:
        Total bytes of the pages written.
    """
    render = load_render()
    folder.mkdir(parents=True, exist_ok=True)
    out = jsonl.open("w", encoding="utf-8") if jsonl is not None else None
    previous: list[dict[str, Any]] = []
    total = 0
    try:
        for item in generate(n, seed):
            page = render.render_article(item.article, related=previous[-2:])
            data = page.encode("utf-8")
            path = folder / item.relpath
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            total += len(data)
            if out is not None:
                doc = fielded_document(render, item)
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            previous = [*previous[-1:], item.article]
    finally:
        if out is not None:
            out.close()
    return total


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.corpus N FOLDER [--seed S] [--jsonl F]``."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__)
    p.add_argument("n", type=int, help="number of articles")
    p.add_argument("folder", type=Path, help="where the .html pages go")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--jsonl", type=Path, help="also write the fielded documents here")
    args = p.parse_args(argv)
    size = write_corpus(args.folder, args.n, args.seed, args.jsonl)
    print(f"{args.n} pages, {size / 1e6:.1f} MB in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
