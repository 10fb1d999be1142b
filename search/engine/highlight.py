"""Highlighted titles and snippets cut from the stored text (not Whoosh's highlighter).

Whoosh's highlighter re-analyses every stored body (6–11 ms a hit). Here the text
is folded once (lowercase and accents, keeping every character's offset), a regular
expression finds the words that may be matches (they start like a query stem), and
each candidate is confirmed by running it through the index's analyser: so
``relations`` highlights ``relation`` and ``erdogan`` highlights ``Erdoğan``.
Everything but the ``<mark>`` tags is HTML-escaped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from html import escape

from whoosh.support.charset import accent_map

from search import languages
from search.query.analysis import stem_of

#: Words in a snippet, about.
SNIPPET_WORDS = 30
#: Characters in a snippet window, about (30 words of ~6.5 characters).
SNIPPET_CHARS = 200
#: Matches looked at in a text for its snippets, at most.
MAX_SPANS = 200
#: Snippets per hit at most.
MAX_SNIPPETS = 2

_FOLD = {k: v for k, v in accent_map.items() if len(v) == 1}
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_WORD_TAIL = r"\w*(?:['’]\w+)*"
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")
#: Shortest prefix looked for with ``str.find`` (shorter ones occur too often).
FIND_MIN = 3
#: A paragraph break in a stored body (a blank line).
_PARA_RE = re.compile(r"\n[ \t]*\n\s*")
#: A paragraph shorter than this (a heading) gives a snippet only when no longer
#: paragraph matches as well.
SHORT_PARAGRAPH = 60


def _is_word_char(c: str) -> bool:
    """Whether ``c`` is a regular-expression word character (``\\w``)."""
    return c.isalnum() or c == "_"


def fold(text: str) -> str:
    """Lowercase and accent-fold ``text``, keeping its length and offsets."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower()[:1] or c for c in text)
    if low.isascii():
        return low
    # only the few non-ASCII characters go through the table (translating the
    # whole text character by character costs ~0.3 ms per article)
    return _NON_ASCII_RE.sub(_fold_match, low)


def _fold_match(m: re.Match[str]) -> str:
    c = m.group(0)
    return str(_FOLD.get(ord(c), c))


class Highlighter:
    """Finds and marks the words of a text that match some of the query's terms."""

    def __init__(
        self, stems: Iterable[str], lang: str = languages.DEFAULT_LANGUAGE
    ) -> None:
        """Prepare for the given index terms (stems of the ranked fields) in texts
        of the language ``lang``."""
        self.lang = lang
        self.stems = frozenset(s for s in stems if s)
        prefixes = set()
        for stem in self.stems:
            # Porter turns a final y into i (happy -> happi): match from before it.
            p = stem[:-1] if len(stem) > 2 and stem.endswith(("i", "e")) else stem
            prefixes.add(p)
        self._re: re.Pattern[str] | None = None
        self._known: dict[str, str] = {}
        #: Prefixes looked for with str.find (all of letters, three or more): a
        #: scan in C instead of the regular expression's try at every position.
        self._found_by_find = (
            sorted(prefixes)
            if all(len(p) >= FIND_MIN and _WORD_RE.fullmatch(p) for p in prefixes)
            else []
        )
        if prefixes:
            alts = "|".join(
                re.escape(p) for p in sorted(prefixes, key=len, reverse=True)
            )
            self._re = re.compile(rf"\b(?:{alts}){_WORD_TAIL}")

    def spans(
        self, text: str, max_spans: int = 0, max_chars: int = 0
    ) -> list[tuple[int, int, str]]:
        """(start, end, stem) of the matching words of ``text``.

        Args:
            text: The text.
            max_spans: Stop after this many matches (0: all).
            max_chars: Only look at the first characters (0: all).
        """
        if self._re is None or not text:
            return []
        if max_chars and len(text) > max_chars:
            text = text[:max_chars]
        folded = fold(text)
        out = []
        stems = self.stems
        known = self._known
        lang = self.lang
        for m in self._matches(folded):
            # the word as written: a stemmer may need its accents (German, French)
            word = text[m.start() : m.end()]
            stem = known.get(word)
            if stem is None:
                stem = known[word] = stem_of(word, lang) if len(known) < 4096 else ""
            if stem in stems:
                out.append((m.start(), m.end(), stem))
                if len(out) == max_spans:
                    break
        return out

    def _matches(self, folded: str) -> Iterable[re.Match[str]]:
        """The regular expression's matches in ``folded``, in order: found with
        ``str.find`` when the prefixes allow (the same matches, faster)."""
        assert self._re is not None
        if not self._found_by_find:
            yield from self._re.finditer(folded)
            return
        starts: set[int] = set()
        for prefix in self._found_by_find:
            i = folded.find(prefix)
            while i >= 0:
                if i == 0 or not _is_word_char(folded[i - 1]):
                    starts.add(i)
                i = folded.find(prefix, i + 1)
        pos = 0
        match = self._re.match
        for i in sorted(starts):
            if i < pos:
                continue  # inside the last match (after an apostrophe)
            m = match(folded, i)
            if m is not None:
                yield m
                pos = m.end()

    def mark(self, text: str) -> str:
        """The whole text, escaped, with ``<mark>`` around matching words."""
        return _render(text, 0, len(text), self.spans(text))

    def snippets(self, text: str, limit: int = MAX_SNIPPETS) -> list[str]:
        """Up to ``limit`` ~30-word windows around the densest matches of ``text``.

        Returns:
            Escaped snippets with ``<mark>``; the opening words when nothing matches
            (an empty list for an empty text).
        """
        if not text:
            return []
        spans = self.spans(text, max_spans=MAX_SPANS)
        if not spans:
            return [_render(text, 0, _cut_end(text, 0, _para_end(text, 0)), [])]
        # paragraph of each span: a window never crosses a paragraph break
        found = [(m.start(), m.end()) for m in _PARA_RE.finditer(text)]
        breaks = [a for a, _ in found]
        starts = [0] + [b for _, b in found]  # of each paragraph
        ends = [*breaks, len(text)]
        para = [bisect.bisect_right(breaks, start) for start, _, _ in spans]
        # (-score, -paragraph is long enough, first span, last span)
        windows: list[tuple[int, int, int, int]] = []
        j = 0
        for i, (start, _, _) in enumerate(spans):
            if j < i:
                j = i
            while (
                j + 1 < len(spans)
                and para[j + 1] == para[i]
                and spans[j + 1][1] - start <= SNIPPET_CHARS
            ):
                j += 1
            distinct = len({s for _, _, s in spans[i : j + 1]})
            short = ends[para[i]] - starts[para[i]] < SHORT_PARAGRAPH
            windows.append((-(distinct * 100 + (j - i + 1)), short, i, j))
        windows.sort()
        chosen: list[tuple[int, int]] = []
        for _, _, i, j in windows:
            lo = _cut_start(text, spans[i][0], spans[j][1], starts[para[i]])
            hi = _cut_end(text, lo, ends[para[i]])
            hi = max(hi, spans[j][1])
            if any(lo < b and a < hi for a, b in chosen):
                continue
            chosen.append((lo, hi))
            if len(chosen) >= limit:
                break
        chosen.sort()
        return [
            _render(text, lo, hi, [s for s in spans if lo <= s[0] and s[1] <= hi])
            for lo, hi in chosen
        ]


def _para_end(text: str, pos: int) -> int:
    """End of the paragraph holding ``pos`` (before the blank line)."""
    m = _PARA_RE.search(text, pos)
    return m.start() if m is not None else len(text)


def _cut_start(text: str, first: int, last: int, floor: int = 0) -> int:
    """Start of a window: a few words before the first match, at a word start,
    not before ``floor`` (the paragraph's start)."""
    room = max(0, SNIPPET_CHARS - (last - first)) // 3
    lo = max(floor, first - room)
    if lo == floor:
        return floor
    # start at a sentence start if one is near, else at the next word
    dot = text.rfind(". ", lo, first)
    if dot >= 0:
        return dot + 2
    space = text.find(" ", lo, first)
    return space + 1 if space >= 0 else first


def _cut_end(text: str, lo: int, ceiling: int | None = None) -> int:
    """End of a window starting at ``lo``: after about SNIPPET_WORDS words, not
    after ``ceiling`` (the paragraph's end)."""
    count = 0
    end = lo
    limit = len(text) if ceiling is None else ceiling
    stop = min(limit, lo + SNIPPET_CHARS * 2)
    for m in _WORD_RE.finditer(text, lo, stop):
        count += 1
        end = m.end()
        if count >= SNIPPET_WORDS:
            break
    else:
        end = min(limit, max(end, lo + SNIPPET_CHARS))
    return end


def _render(text: str, lo: int, hi: int, spans: list[tuple[int, int, str]]) -> str:
    parts: list[str] = []
    if lo > 0:
        parts.append("… ")
    pos = lo
    for start, end, _ in spans:
        if start < pos:
            continue
        parts.append(escape(text[pos:start], quote=False))
        parts.append("<mark>" + escape(text[start:end], quote=False) + "</mark>")
        pos = end
    parts.append(escape(text[pos:hi], quote=False))
    if hi < len(text):
        parts.append(" …")
    return " ".join("".join(parts).split())
