"""The one contract both packages share: field names, analysers and the Whoosh schema.

Everything that writes to or reads from the index names fields through the constants
here. ``to_index_fields`` turns a fielded document (the JSON shape the indexer's
``extract`` prints and ``index --jsonl`` reads) into the keyword arguments of
``IndexWriter.update_document``; it is used by the indexer and by the service's
``PUT /documents/{id}``, so both write the very same thing.

This module imports only whoosh, the standard library and ``search.languages`` (the
analysers, whose names it hands on).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, SchemaClass

from search.languages import TOKEN_PATTERN as TOKEN_PATTERN
from search.languages import document_language, with_language
from search.languages import spell_analyzer as spell_analyzer
from search.languages import text_analyzer as text_analyzer

#: Bumped whenever fields or analysers change; checked when an index is opened
#: (``search.store.index.check_schema``).
SCHEMA_VERSION = 3
#: File written next to the Whoosh segments holding ``{"schema_version": N}``.
VERSION_FILE = "analysis-search.json"

# --- field names (use these constants, never string literals) ----------------------
ID_FIELD = "id"
URL = "url"
TITLE = "title"
AUTHORS = "authors"
BODY = "body"
TAGS = "tags"
SECTION = "section"
SUMMARY = "summary"
LANGUAGE = "language"
#: The document's language code as analysed and faceted (``de``; ``en`` when the
#: document names none).
LANG_KEY = "lang"
PUBLISHED = "published"
#: Stored ISO 8601 text of ``published`` (the DATETIME field itself is not stored).
PUBLISHED_ISO = "published_iso"
UPDATED = "updated"
WORD_COUNT = "word_count"
CONTENT_HASH = "content_hash"
SOURCE = "source"
SPELL = "spell"
# facet / filter fields: exact display values, comma-separated KEYWORDs
TAG = "tag"
AUTHOR = "author"
SECTION_KEY = "section_key"
YEAR = "year"
MONTH = "month"

#: Fields a reader's words are matched against, with their BM25F weights.
SEARCH_FIELDS: dict[str, float] = {TITLE: 3.0, TAGS: 2.0, AUTHORS: 2.0, BODY: 1.0}
# Facet names, as used in the HTTP API.
FACET_TAGS = "tags"
FACET_AUTHORS = "authors"
FACET_SECTION = "section"
FACET_YEAR = "year"
FACET_MONTH = "month"
FACET_LANGUAGE = "language"
#: Facet name -> index field holding its exact values.
FACET_FIELDS: dict[str, str] = {
    FACET_TAGS: TAG,
    FACET_AUTHORS: AUTHOR,
    FACET_SECTION: SECTION_KEY,
    FACET_YEAR: YEAR,
    FACET_MONTH: MONTH,
    FACET_LANGUAGE: LANG_KEY,
}
#: Facets listed in date order rather than by count.
CHRONOLOGICAL_FACETS = frozenset({FACET_YEAR, FACET_MONTH})
#: Filter parameter of the HTTP API (repeatable, values OR-ed) -> the facet it
#: filters on.
FILTER_PARAMS: dict[str, str] = {
    "tag": FACET_TAGS,
    "author": FACET_AUTHORS,
    "section": FACET_SECTION,
    "year": FACET_YEAR,
    "language": FACET_LANGUAGE,
}
#: Stored fields, in the order a document is shown.
STORED_FIELDS: tuple[str, ...] = (
    ID_FIELD,
    URL,
    TITLE,
    AUTHORS,
    TAGS,
    SECTION,
    PUBLISHED,
    UPDATED,
    SUMMARY,
    LANGUAGE,
    WORD_COUNT,
    BODY,
    CONTENT_HASH,
    SOURCE,
)

# --- analysers ---------------------------------------------------------------------
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def distinct_words(*texts: str) -> str:
    """Each word of ``texts`` once, in order of first use, as one text.

    The ``spell`` field answers only which documents hold a word (its document
    frequency), never how often or where: analysing each distinct word once gives
    the same lexicon for about half the indexing time of the whole text.
    """
    seen: dict[str, None] = {}
    for text in texts:
        seen.update(dict.fromkeys(_TOKEN_RE.findall(text)))
    return " ".join(seen)


class ArticleSchema(SchemaClass):  # type: ignore[misc]
    """The Whoosh schema of an article index."""

    id = ID(unique=True, stored=True)
    url = STORED()
    title = TEXT(analyzer=text_analyzer(), stored=True, phrase=True)
    authors = TEXT(analyzer=text_analyzer(), stored=True, phrase=True)
    body = TEXT(analyzer=text_analyzer(), stored=True, phrase=True)
    tags = TEXT(analyzer=text_analyzer(), stored=True, phrase=True)
    section = STORED()
    summary = STORED()
    language = ID(stored=True)
    lang = ID()
    published = DATETIME(stored=False, sortable=True)
    published_iso = STORED()
    updated = STORED()
    word_count = NUMERIC(stored=True, bits=32, signed=False)
    content_hash = STORED()
    source = ID(stored=True)
    spell = TEXT(analyzer=spell_analyzer(), stored=False, phrase=False)
    tag = KEYWORD(commas=True, lowercase=False, scorable=False)
    author = KEYWORD(commas=True, lowercase=False, scorable=False)
    section_key = KEYWORD(commas=True, lowercase=False, scorable=False)
    year = ID(sortable=True)
    month = ID(sortable=True)


def field_names() -> frozenset[str]:
    """Names of every field of the schema (compared with an index's on open)."""
    return frozenset(ArticleSchema().names())


# --- documents ---------------------------------------------------------------------
#: Keys of a fielded document, the JSON shape shared by ``extract`` and ``--jsonl``.
DOCUMENT_KEYS: tuple[str, ...] = (
    ID_FIELD,
    URL,
    TITLE,
    AUTHORS,
    BODY,
    TAGS,
    SECTION,
    SUMMARY,
    LANGUAGE,
    PUBLISHED,
    UPDATED,
    WORD_COUNT,
    CONTENT_HASH,
    SOURCE,
)


def parse_datetime(value: object) -> datetime | None:
    """Read a stored or JSON date (ISO 8601 text or datetime) as an aware UTC datetime.

    Naive values are taken as UTC.

    Args:
        value: ``None``, a ``datetime`` or an ISO 8601 string.

    Returns:
        The datetime in UTC, or ``None`` for ``None``/empty.

    Raises:
        ValueError: The string is not ISO 8601, or the date has no UTC equivalent.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a date: {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 has no UTC datetime
        raise ValueError(f"date out of range: {value!r}") from None


def format_datetime(dt: datetime | None) -> str | None:
    """ISO 8601 text of an aware datetime in UTC (``2024-03-01T09:30:00Z``), or None."""
    if dt is None:
        return None
    # not strftime: its %Y does not pad years before 1000 to four digits
    utc = dt.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return utc.isoformat() + "Z"


def _clean_values(values: object) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Sequence):
        raise ValueError(f"expected a list of strings, got {type(values).__name__}")
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        if not isinstance(v, str):
            raise ValueError(f"expected a string, got {type(v).__name__}")
        v = " ".join(v.replace(",", " ").split())
        if v and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


def content_hash(text: str | bytes) -> str:
    """The content hash used to skip unchanged documents (sha256 hex, 32 chars)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:32]


#: Largest ``word_count`` (the field is a 32-bit unsigned number).
MAX_WORD_COUNT = 2**32 - 1
#: Longest document id accepted, in characters (Meilisearch allows 511 bytes).
MAX_ID_LENGTH = 512
#: Control characters (Unicode category Cc): never part of an id.
CONTROL_CHARS = "\x00-\x1f\x7f-\x9f"
#: What ``str.strip`` removes besides control characters: an id may not begin or
#: end with these, nor be made of them alone.
SPACE_CHARS = "\x20\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Every character ``str.isspace`` says is white space (what ``str.strip`` removes).
WHITESPACE_CHARS = "\t-\r\x1c-\x1f\x85" + SPACE_CHARS
#: A valid id as a regular expression (the OpenAPI document's ``pattern``).
ID_PATTERN = (
    f"^[^{CONTROL_CHARS}{SPACE_CHARS}]"
    f"([^{CONTROL_CHARS}]*[^{CONTROL_CHARS}{SPACE_CHARS}])?$"
)
_CONTROL_RE = re.compile(f"[{CONTROL_CHARS}]")


def check_id(value: object) -> str:
    """Return ``value`` if it is a valid document id.

    An id is 1 to ``MAX_ID_LENGTH`` characters, holds no control character and
    neither begins nor ends with white space (so one id is never two).

    Raises:
        ValueError: Saying what is wrong.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("an id is required and must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(
            f"an id is at most {MAX_ID_LENGTH} characters long, this one {len(value)}"
        )
    bad = _CONTROL_RE.search(value)
    if bad is not None:
        raise ValueError(
            f"an id may not hold control characters ({ord(bad.group()):#04x} at "
            f"{bad.start()})"
        )
    if value != value.strip():
        raise ValueError("an id may not begin or end with white space")
    return value


def normalize_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a fielded document and return it in canonical JSON form.

    Args:
        doc: A mapping with at least ``id`` and ``title`` or ``body``; other keys of
            ``DOCUMENT_KEYS`` are optional. Unknown keys are ignored.

    Returns:
        A dict with every key of ``DOCUMENT_KEYS``: lists for authors/tags, ISO UTC
        strings (or None) for dates, an int word count and a content hash.

    Raises:
        ValueError: With a message naming the bad field.
    """
    doc_id = doc.get(ID_FIELD)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise ValueError("field 'id' is required and must be a non-empty string")
    try:
        out: dict[str, Any] = {ID_FIELD: check_id(doc_id.strip())}
    except ValueError as exc:
        raise ValueError(f"field 'id': {exc}") from None
    for key in (URL, TITLE, BODY, SECTION, SUMMARY, LANGUAGE, SOURCE):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field {key!r} must be a string")
        out[key] = (value or "").strip()
    if not out[TITLE] and not out[BODY]:
        raise ValueError("a document needs a title or a body")
    for key in (AUTHORS, TAGS):
        try:
            out[key] = _clean_values(doc.get(key))
        except ValueError as exc:
            raise ValueError(f"field {key!r}: {exc}") from None
    for key in (PUBLISHED, UPDATED):
        try:
            out[key] = format_datetime(parse_datetime(doc.get(key)))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"field {key!r}: {exc}") from None
    wc = doc.get(WORD_COUNT)
    if wc is None:
        wc = len(out[BODY].split())
    if isinstance(wc, float) and wc.is_integer():
        wc = int(wc)  # JSON has one number type: 3599.0 is an integer
    if not isinstance(wc, int) or isinstance(wc, bool) or not 0 <= wc <= MAX_WORD_COUNT:
        raise ValueError(
            f"field 'word_count' must be an integer from 0 to {MAX_WORD_COUNT}"
        )
    out[WORD_COUNT] = wc
    ch = doc.get(CONTENT_HASH)
    if ch is not None and not isinstance(ch, str):
        raise ValueError("field 'content_hash' must be a string")
    out[CONTENT_HASH] = (
        ch
        if isinstance(ch, str) and ch
        else content_hash(
            "\x1f".join(str(out[k]) for k in DOCUMENT_KEYS if k not in (CONTENT_HASH,))
        )
    )
    return out


def to_index_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``writer.update_document`` from a fielded document.

    Args:
        doc: A fielded document (normalised here first).

    Returns:
        Whoosh field values, with ``_stored_*`` keys where the stored value (lists,
        ISO dates) differs from the indexed text.

    Raises:
        ValueError: The document is invalid (see ``normalize_document``).
    """
    d = normalize_document(doc)
    published = parse_datetime(d[PUBLISHED])
    lang = document_language(d[LANGUAGE])
    fields: dict[str, Any] = {
        ID_FIELD: d[ID_FIELD],
        URL: d[URL],
        TITLE: with_language(d[TITLE], lang),
        f"_stored_{TITLE}": d[TITLE],
        AUTHORS: with_language("; ".join(d[AUTHORS]), lang),
        f"_stored_{AUTHORS}": d[AUTHORS],
        BODY: with_language(d[BODY], lang),
        f"_stored_{BODY}": d[BODY],
        TAGS: with_language("; ".join(d[TAGS]), lang),
        f"_stored_{TAGS}": d[TAGS],
        SECTION: d[SECTION],
        SUMMARY: d[SUMMARY],
        LANGUAGE: d[LANGUAGE],
        LANG_KEY: lang,
        UPDATED: d[UPDATED],
        WORD_COUNT: d[WORD_COUNT],
        CONTENT_HASH: d[CONTENT_HASH],
        SOURCE: d[SOURCE],
        SPELL: distinct_words(d[TITLE], *d[TAGS], *d[AUTHORS], d[BODY]),
        TAG: ",".join(d[TAGS]),
        AUTHOR: ",".join(d[AUTHORS]),
        SECTION_KEY: d[SECTION].replace(",", " "),
    }
    if published is not None:
        fields[PUBLISHED] = published.replace(tzinfo=None)
        fields[PUBLISHED_ISO] = d[PUBLISHED]
        fields[YEAR] = f"{published.year:04d}"
        fields[MONTH] = f"{published.year:04d}-{published.month:02d}"
    return fields


def stored_to_document(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A document as the API shows it, from a searcher's stored fields.

    Args:
        stored: ``searcher.stored_fields(docnum)``.

    Returns:
        A dict with every key of ``DOCUMENT_KEYS`` (``published`` read from the
        stored ISO string).
    """
    out = {key: stored.get(key) for key in DOCUMENT_KEYS}
    out[PUBLISHED] = stored.get(PUBLISHED_ISO)
    out[AUTHORS] = list(stored.get(AUTHORS) or [])
    out[TAGS] = list(stored.get(TAGS) or [])
    return out
