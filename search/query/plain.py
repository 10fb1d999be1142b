"""Plain query syntax: a reader's text -> clauses of words and phrases. Never raises.

Plain mode (the default) accepts any text: words, ``"exact phrases"``, ``-excluded``
words, ``OR`` between words, and the fields ``title:``, ``author:`` and ``tag:``;
everything else is taken literally. ``parse_plain`` turns the text into clauses once
per request; ``search.query.build`` turns them into term specs and
``search.query.spelling`` corrects them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search import schema
from search.query.analysis import TOKEN_RE, spell_words

#: Field prefixes a reader may type in plain mode -> the index fields searched.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": (schema.TITLE,),
    "author": (schema.AUTHORS,),
    "authors": (schema.AUTHORS,),
    "by": (schema.AUTHORS,),
    "tag": (schema.TAGS,),
    "tags": (schema.TAGS,),
}
_PLAIN_RE = re.compile(
    r"""
    (?P<neg>-)?
    (?:(?P<field>[A-Za-z]+):)?
    (?:
        "(?P<phrase>[^"]*)(?:"|$)
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing a reader typed: a word or a quoted phrase, maybe in one field."""

    text: str
    phrase: bool = False
    field: str | None = None  # key of FIELD_ALIASES

    def show(self) -> str:
        """The unit written back in plain syntax."""
        body = f'"{self.text}"' if self.phrase else self.text
        return f"{self.field}:{body}" if self.field else body


@dataclass(slots=True)
class ParsedQuery:
    """Clauses of a plain query: each clause is units OR-ed together."""

    clauses: list[list[Unit]] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)
    #: The last word is still being typed (no space or punctuation after it).
    prefix_last: bool = False
    #: Every word of the text as the ``spell`` field holds words (lowercased,
    #: accent-folded), in order: what the spelling checks look up.
    words: tuple[str, ...] = ()

    def show(self) -> str:
        """The query written back in plain syntax (the response's ``parsed``)."""
        parts = [" OR ".join(u.show() for u in c) for c in self.clauses]
        parts += ["-" + u.show() for u in self.excluded]
        return " ".join(parts)


def parse_plain(text: str) -> ParsedQuery:
    """Split a reader's text into clauses. Never raises.

    ``OR`` (upper case, between two units) joins them into one clause; every other
    clause is required. A leading ``-`` excludes a unit. A field prefix that is not
    ``title``, ``author`` or ``tag`` is kept as part of the word; a known field
    prefix with nothing after it (``tag:`` while typing) is ignored.

    Args:
        text: Anything.

    Returns:
        The parsed query.
    """
    parsed = ParsedQuery(words=tuple(spell_words(text)))
    pending_or = False
    for m in _PLAIN_RE.finditer(text):
        neg = bool(m.group("neg"))
        fname = m.group("field")
        phrase = m.group("phrase")
        word = m.group("word")
        if word is not None and fname is None and _is_bare_field(word):
            continue  # "tag:" with nothing after it yet: nothing to search
        if fname is not None and fname.lower() not in FIELD_ALIASES:
            # not a field we know: keep the whole thing as literal text
            raw = m.group(0)[1:] if neg else m.group(0)
            phrase, word, fname = None, raw.replace('"', " "), None
        key = fname.lower() if fname else None
        if phrase is not None:
            if not TOKEN_RE.search(phrase):
                continue
            unit = Unit(" ".join(phrase.split()), phrase=True, field=key)
        else:
            assert word is not None
            if word == "OR" and not neg and key is None:
                pending_or = bool(parsed.clauses)
                continue
            if not TOKEN_RE.search(word):
                continue
            unit = Unit(word, field=key)
        if neg:
            parsed.excluded.append(unit)
            pending_or = False
            continue
        if pending_or and parsed.clauses:
            parsed.clauses[-1].append(unit)
        else:
            parsed.clauses.append([unit])
        pending_or = False
    stripped = text.rstrip()
    if parsed.clauses and stripped == text and text and TOKEN_RE.match(text[-1]):
        last = parsed.clauses[-1][-1]
        parsed.prefix_last = not last.phrase and text.endswith(last.text)
    return parsed


def _is_bare_field(word: str) -> bool:
    """Whether ``word`` is a known field prefix with nothing after it (``tag:``)."""
    return word.endswith(":") and word[:-1].lower() in FIELD_ALIASES
