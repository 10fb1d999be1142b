"""Search-box completions: matching titles and frequent words, from memory.

``TitleIndex`` holds every title with its words (folded, unstemmed) in a sorted list,
built once per index generation; ``suggest`` answers a prefix with a few bisections,
fast enough for every key press.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from typing import Any

from search import schema
from search.models import Suggestion
from search.query.analysis import spell_words
from search.query.vocab import SpellVocab
from search.store.blocks import segment_key

#: Titles among the suggestions at most (the rest are words).
MAX_TITLES = 4
#: Candidate titles examined per prefix at most.
MAX_TITLE_CANDIDATES = 2000
#: Search syntax removed from what is typed: quotes, a leading minus, ``*``,
#: brackets, a field prefix (``tag:``) and an ``OR`` between words.
_SYNTAX_RE = re.compile(
    r"""["“”*()\[\]{}]|(?:^|(?<=\s))-|\b[A-Za-z]+:|(?<=\s)OR(?=\s)"""
)


#: One title row of a segment: document number, title, id, url, published (sortable)
#: and the title's words.
TitleRow = tuple[int, str, str, str, int, tuple[str, ...]]


class SegmentTitles:
    """The title rows of every segment seen, kept across generations (a segment
    never changes; only its deletions grow, and those are read per generation)."""

    def __init__(self) -> None:
        """An empty cache."""
        self._rows: dict[str, list[TitleRow]] = {}
        self._lock = threading.Lock()

    def rows(self, leaf: Any) -> list[TitleRow]:
        """The rows of a leaf reader's segment (read once per segment)."""
        seg = segment_key(leaf)
        found = None if seg is None else self._rows.get(seg)
        if found is None:
            found = _read_titles(leaf)
            if seg is not None:
                with self._lock:
                    self._rows[seg] = found
        return found

    def forget(self, live_segments: set[str]) -> None:
        """Drop the rows of segments that no longer exist (merged away)."""
        with self._lock:
            for seg in [s for s in self._rows if s not in live_segments]:
                del self._rows[seg]


def _read_titles(leaf: Any) -> list[TitleRow]:
    rows: list[TitleRow] = []
    for docnum, stored in leaf.iter_docs():
        title = stored.get(schema.TITLE) or ""
        if title:
            rows.append(
                (
                    docnum,
                    title,
                    stored.get(schema.ID_FIELD) or "",
                    stored.get(schema.URL) or "",
                    _sortable(stored.get(schema.PUBLISHED_ISO) or ""),
                    tuple(set(spell_words(title))),
                )
            )
    return rows


class TitleIndex:
    """Titles of one generation, findable by the start of any of their words."""

    def __init__(self, reader: Any, segments: SegmentTitles | None = None) -> None:
        """Gather the titles of every live document.

        Args:
            reader: A reader of the generation.
            segments: The segments' title rows kept across generations (None:
                every segment's stored fields are read here).
        """
        cache = segments if segments is not None else SegmentTitles()
        leaves = (
            [reader] if reader.is_atomic() else [r for r, _ in reader.leaf_readers()]
        )
        self.titles: list[tuple[str, str, str, int]] = []  # title, id, url, published
        pairs: list[tuple[str, int]] = []
        for leaf in leaves:
            deleted = leaf.is_deleted if leaf.has_deletions() else None
            for docnum, title, doc_id, url, published, words in cache.rows(leaf):
                if deleted is not None and deleted(docnum):
                    continue
                tid = len(self.titles)
                self.titles.append((title, doc_id, url, published))
                pairs.extend((word, tid) for word in words)
        pairs.sort()
        self.words = [w for w, _ in pairs]
        self.ids = [t for _, t in pairs]

    def find(self, words: list[str], last_complete: bool) -> list[int]:
        """Title ids containing every word (the last as a prefix unless complete)."""
        if not words:
            return []
        *done, last = words
        if last_complete:
            lo = bisect.bisect_left(self.words, last)
            hi = bisect.bisect_right(self.words, last, lo)
        else:
            lo = bisect.bisect_left(self.words, last)
            hi = bisect.bisect_left(self.words, last + "\U0010ffff", lo)
        cands = set(self.ids[lo : min(hi, lo + MAX_TITLE_CANDIDATES)])
        for word in done:
            lo = bisect.bisect_left(self.words, word)
            hi = bisect.bisect_right(self.words, word, lo)
            cands &= set(self.ids[lo:hi])
            if not cands:
                break
        return sorted(cands, key=lambda t: -self.titles[t][3])


def _sortable(iso: str) -> int:
    digits = "".join(c for c in iso[:19] if c.isdigit())
    return int(digits) if digits else 0


def suggest(
    prefix: str,
    limit: int,
    vocab: SpellVocab,
    titles: TitleIndex | None,
    hidden: frozenset[str] = frozenset(),
) -> list[Suggestion]:
    """Completions of what a reader has typed so far.

    Args:
        prefix: The text in the search box.
        limit: Suggestions wanted.
        vocab: The generation's words.
        titles: The generation's titles (None: words only).
        hidden: Ids whose titles are never suggested (the editors' settings).

    Returns:
        Up to ``limit`` suggestions: titles (newest first) then words (most
        frequent first).
    """
    # the last word is finished once a space follows it (a closing quote or a
    # full stop does not finish it: ``turk"`` still completes to ``turkey``)
    last_complete = prefix[-1:].isspace()
    words = spell_words(_SYNTAX_RE.sub(" ", prefix))
    if not words or limit <= 0:
        return []
    *done, last = words
    out: list[Suggestion] = []
    if titles is not None:
        shown = (
            tid
            for tid in titles.find(words, last_complete)
            if titles.titles[tid][1] not in hidden
        )
        for tid in itertools.islice(shown, min(MAX_TITLES, limit)):
            title, doc_id, url, _ = titles.titles[tid]
            # url "" as in search hits for a document without one
            out.append(Suggestion(title, "title", 1, doc_id or None, url))
    head = " ".join(done)
    seen = {s.text.casefold() for s in out}
    terms: list[tuple[str, int]] = []
    if vocab.df(last):
        terms.append((last, vocab.df(last)))
    if not last_complete:
        terms += vocab.completions(last, limit * 2)
    terms.sort(key=lambda wd: -wd[1])
    for word, df in terms:
        if len(out) >= limit:
            break
        text = f"{head} {word}" if head else word
        if text.casefold() in seen:
            continue
        seen.add(text.casefold())
        out.append(Suggestion(text, "term", df))
    return out[:limit]
