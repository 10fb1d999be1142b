"""Author names from bylines: prefixes, roles and lists in several languages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import Tag

#: class/id fragments that mark an author, byline or author box element.
BYLINE_CLASS = re.compile(
    r"byline|author|autor|auteur|autore|writer|verfasser|journalist|reporter|"
    r"contributor|posted-?by|redakteur|firma|signature"
)
#: class/id fragments of elements inside a byline that are not names.
_NOT_NAME_CLASS = re.compile(
    r"date|time|avatar|photo|image|img|desc|social|twitter|mail|follow|role|"
    r"title|job|position|meta-sep|count|more",
    re.IGNORECASE,
)
#: Words that introduce a byline ("By", "Von", "Par", "Por", "Di", "Door", "Av"...).
_PREFIX = re.compile(
    r"^(?:(?:written|posted|published|reported|reporting|text|words|"
    r"geschrieben|verfasst|escrito|scritto|écrit|ecrit|publié|publie|"
    r"publicado|pubblicato|gepostet|veröffentlicht)\s+)?"
    r"(?:by|von|vom|par|por|di|da|door|av|af|przez|від|от|tarafından|oleh|"
    r"autor(?:in)?|author|auteur|autore|text|texte|texto|testo|redaktion|"
    r"redacción|redaccion|reporter|written|posted|words|interview|bericht)"
    r"\s*[:：]?\s+",
    re.IGNORECASE,
)
#: Separators between names in one byline.
_SPLIT = re.compile(
    r"\s*(?:,|;|\s&\s|\s\+\s|/|\||·|•|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|"
    r"\bog\b|\boch\b|\bi\b|\bsowie\b|\bmit\b|\bwith\b|\bcon\b|\bavec\b)\s*",
    re.IGNORECASE,
)
#: Words of job titles and boilerplate that never are a name.
_ROLE_WORDS = frozenset(
    """staff writer writers reporter reporters correspondent correspondents editor
    editors editorial contributor contributing columnist senior chief managing
    deputy associate political news desk team photographer photos photo foto fotos
    video graphics agency agencies journalist journalistin redakteur redakteurin
    redaktion autor autorin author authors korrespondent korrespondentin
    mitarbeiter chefredakteur rédaction rédacteur journaliste envoyé envoyée
    spécial spéciale redacción redactor redactora corresponsal periodista
    redattore giornalista inviato correspondant updated published posted
    minutes minute read reading min hours ago comments comment share follow
    twitter facebook email mail more articles all posts view profile about
    bio biography opinion analysis guest admin administrator datum date fecha alle
    all beiträge artikel posts articles stories zur person auteur autore autora
    veröffentlicht aktualisiert publié publiée publicado pubblicato geplaatst
    gepubliceerd mis à jour rechtsanwalt rechtsanwältin anwalt attorney
    lawyer""".split()
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?:^|(?<=[\s(]))@\w+")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
DIGITS = _DIGITS = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_BY_IN_TEXT = re.compile(
    r"(?:^|[\s|:(])(?:by|von|par|por|di|door|av|af|przez)\s+"
    r"((?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*\.?)(?:\s+(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*|"
    r"van|von|de|der|den|da|di|du|del|la|le|bin|al|ter|zu)){1,4})",
)


def _strip_roles(part: str) -> str:
    """Drop job-title words trailing (or leading) a name: "Jane Doe Staff Writer".

    A one-word remainder ("Support" from "Support Team") keeps the original: the
    role word was then part of a team or pen name.
    """
    words = part.split()
    while words and words[-1].casefold().strip(".:") in _ROLE_WORDS:
        words.pop()
    while words and words[0].casefold().strip(".:") in _ROLE_WORDS:
        words.pop(0)
    if len(words) == 1 and len(part.split()) > 1:
        return part
    return " ".join(words)


def clean_name(raw: str) -> str | None:
    """One author name without prefixes, roles, emails, handles, credits or dates.

    Args:
        raw: A candidate name ("By Jane Doe, Staff Writer" gives "Jane Doe" after
            splitting; this function handles one part).

    Returns:
        The name, or None when what is left does not look like a name (digits, too
        long, only job titles, a lower-case phrase).
    """
    text = _SPACE.sub(" ", raw).strip()
    text = _CREDIT.sub("", text)
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    text = _PAREN.sub(" ", _HANDLE.sub(" ", text))
    text = _EDGE.sub("", text).strip()
    for _ in range(2):
        text = _PREFIX.sub("", text).strip()
    text = _EDGE.sub("", _strip_roles(text)).strip()
    if not text or len(text) > 60 or _DIGITS.search(text) and " " in text:
        return None
    words = text.split()
    if len(words) > 6 or not any(ch.isalpha() for ch in text):
        return None
    if len(text) < 3 and text.islower() or all(len(w.strip(".")) < 2 for w in words):
        return None
    if all(w.casefold().strip(".:") in _ROLE_WORDS for w in words):
        return None
    if len(words) > 1 and _lower_phrase(words):
        return None
    return text


def _lower_phrase(words: list[str]) -> bool:
    """Whether a multi-word candidate reads as a phrase, not a name."""
    lowered = [w for w in words if w[0].islower() and w.casefold() not in _PARTICLES]
    return (
        words[0][0].islower()
        and words[0].casefold() not in _PARTICLES
        or (len(words) >= 3 and len(lowered) >= 2)
    )


_PARTICLES = frozenset(
    "van von de der den da di du del della la le bin al ter zu dos das do y e "
    "ibn".split()
)
#: "Jane Doe Foto: John Roe": the photo credit that follows a name.
_CREDIT = re.compile(
    r"\s+(?:fotos?|photos?|bilder?|images?|illustrations?|grafik|video)\s*:.*$",
    re.IGNORECASE,
)


def split_names(raw: str) -> tuple[str, ...]:
    """Split a byline string into cleaned, deduplicated author names.

    Args:
        raw: "By Jane Doe and John Roe", "Von A und B", "A, B & C"...

    Returns:
        The names in order (possibly empty).
    """
    text = _SPACE.sub(" ", raw).strip()
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    text = _PAREN.sub(" ", _HANDLE.sub(" ", text))
    text = _PREFIX.sub("", _EDGE.sub("", text))
    inner = _BY_IN_TEXT.search(text)
    if inner is not None and inner.start() > 0:
        # "View all posts by Jane Doe", "Alle Beiträge von Jane Doe"
        text = text[inner.start(1) :]
    parts = [p for p in _SPLIT.split(_cut_names(text)) if p and p.strip()]
    return clean_names(parts, split=False)


def clean_names(values: Iterable[str], *, split: bool = True) -> tuple[str, ...]:
    """Clean, split (unless ``split`` is False) and deduplicate candidate names."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        parts = split_names(value) if split else (value,)
        for part in parts:
            name = clean_name(part)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                out.append(name)
    return tuple(out)


def _name_inside(tag: Tag) -> str | None:
    """The name element inside a byline: ``itemprop=name``, ``.fn``, a heading."""
    heading: str | None = None
    for child in tag.find_all(
        ["a", "span", "strong", "b", "h2", "h3", "h4", "h5", "p"], limit=40
    ):
        marks = " ".join(child.get("class") or []) + str(child.get("itemprop") or "")
        if _NAME_MARK.search(marks):
            text = child.get_text(" ", strip=True)
            if text:
                return text
        if heading is None and child.name in ("h2", "h3", "h4", "h5", "strong"):
            heading = child.get_text(" ", strip=True)
    if heading and _LOOKS_LIKE_NAME.match(heading):
        return heading
    return None


#: Class or itemprop of the name element inside a byline or author box.
_NAME_MARK = re.compile(r"\bname\b|\bfn\b|author-?name|authorname", re.IGNORECASE)
_LOOKS_LIKE_NAME = re.compile(
    r"^(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]+\s+){1,3}[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]+$"
)


_ORG_HINT = re.compile(
    r"\.(?:com|de|org|net|at|ch|fr|uk|it|es|nl|info|eu|co)\b|\b(?:gmbh|ag|se|ltd|inc|"
    r"llc|plc|e\.\s?v|s\.a|kg|ohg|redaktion|team|stiftung|verlag|magazin|magazine|"
    r"news|media|press|presse|online|newsroom|desk|verband|institut|institute|"
    r"agency|illustrierte|zeitung|times|post|journal|radio|tv)\b",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"^[A-Za-z]+[a-z][A-Z][A-Za-z]*$")


def looks_like_org(name: str) -> bool:
    """Whether ``name`` reads as an organisation or site ("Example Media GmbH",
    "example.com", "ExampleNews") rather than a person."""
    return bool(
        _ORG_HINT.search(name)
        or _CAMEL.match(name)
        or name.isupper()
        and len(name.split()) == 1
    )


#: A text node starting with an author label: "Autor: ...", "Text: ...", "Author: ...".
TEXT_LABEL = re.compile(
    r"^\s*(?:autor(?:in)?|author|auteur|autore|text|texte|texto|testo|"
    r"written by|geschrieben von)\s*[:：]",
    re.IGNORECASE,
)


def ends_with_by(text: str) -> bool:
    """Whether ``text`` ends with a byline word ("... Von", "Written by", "Par")."""
    return bool(_ENDS_WITH_BY.search(text.strip()))


def is_label(text: str) -> bool:
    """Whether ``text`` is a bare byline label such as "Author:", "Von", "Text:"."""
    text = text.strip()
    return bool(_BARE_BY.match(text) or _LABELLED.match(text))


_LABELLED = re.compile(
    r"^(?:autor(?:in)?|author|auteur|autore|text|texte|texto|testo)\s*[:：]\s*\w",
    re.IGNORECASE,
)


def in_form_or_comments(tag: Tag) -> bool:
    """Whether ``tag`` is (inside) a form or a comment section."""
    for parent in [tag, *tag.parents]:
        if parent.name == "form":
            return True
        marks = " ".join(parent.get("class") or []) + " " + str(parent.get("id") or "")
        if "comment" in marks.lower() or "respond" in marks.lower():
            return True
    return False


def from_pieces(pieces: list[str]) -> tuple[str, ...]:
    """Names of the first byline line among visible text pieces (in page order).

    A piece is a byline when it is short and either a bare "By"/"Von"/"Par" (the
    names are in the next piece, as in ``<span>By</span> <a>Jane Doe</a>``), starts
    with such a word ("By Jane Doe and John Roe"), or ends with "... von Jane Doe".

    Args:
        pieces: Text nodes, stripped, in document order.

    Returns:
        The names, or an empty tuple.
    """
    handle: tuple[str, ...] = ()
    for index, piece in enumerate(pieces):
        if len(piece) <= 100:
            names = _piece_names(pieces, index)
            if names and not _is_handle(names):
                return names
            handle = handle or names
    return handle


def _is_handle(names: tuple[str, ...]) -> bool:
    """A lone user name ("jdoe", "admin2") rather than a person's name: kept only
    when no real name follows ("Submitted by jdoe ... Blog post by Jane Doe")."""
    return len(names) == 1 and " " not in names[0] and not names[0][:1].isupper()


def _piece_names(pieces: list[str], index: int) -> tuple[str, ...]:
    piece = pieces[index]
    if _ENDS_WITH_BY.search(piece) and index + 1 < len(pieces):
        names = split_names(_cut_names(_following(pieces, index + 1)))
        if not names and index + 2 < len(pieces):
            # "Autor: <a>Rechtsanwalt</a> Jane Doe": a title split from the name
            names = split_names(_cut_names(" ".join(pieces[index + 1 : index + 3])))
        return names
    if _DIGITS.search(piece) and _SEPARATOR.search(piece):
        names = _name_beside_date(piece)
        if names:
            return names
    if _PREFIX.match(piece):
        return split_names(_cut_names(piece))
    match = _BY_IN_TEXT.search(piece)
    if match is None or match.end() < len(piece.rstrip(" .,;:|-–—")):
        return ()
    return split_names(match.group(1))


def _following(pieces: list[str], start: int) -> str:
    """The piece at ``start``, joined with more while they are linked by "and"/","."""
    text = pieces[start]
    index = start + 1
    while index + 1 < len(pieces) and _JOINER.match(pieces[index]):
        text = f"{text} {pieces[index]} {pieces[index + 1]}"
        index += 2
    return text


def _name_beside_date(piece: str) -> tuple[str, ...]:
    """ "12.05.2020 | Jane Doe" or "Jane Doe - 12 May 2020": the name-like segment."""
    segments = [seg.strip() for seg in _SEPARATOR.split(piece)]
    if len(segments) > 4 or not any(_DIGITS.search(seg) for seg in segments):
        return ()
    for segment in segments:
        if not _DIGITS.search(segment) and _LOOKS_LIKE_NAME.match(segment):
            return split_names(segment)
    return ()


_JOINER = re.compile(r"^(?:,|&|and|und|et|y|e|en|og|och|i)$", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s[|·•–—-]\s")
_ENDS_WITH_BY = re.compile(
    r"(?:^|\s)(?:by|von|par|por|di|door|av|af|przez|autor(?:in)?|author|auteur|"
    r"text|texte|texto)\s*[:：]?$",
    re.IGNORECASE,
)


_BARE_BY = re.compile(
    r"^(?:by|von|par|por|door|av|af|przez|autor(?:in)?|author|auteur|autore|"
    r"text|texte|texto|testo|written by|geschrieben von)\s*[:：]?$",
    re.IGNORECASE,
)
#: Where the names of a byline end: a separator, a date, "am 3. Mai", "on Monday".
_NAME_END = re.compile(
    r"\s(?:[|·•–—]|-\s|\d|(?:am|on|le|el|il|op|den|at|um|le)\s+(?:\d|[A-Z]\w*(?:day|tag)\b)"
    r"|(?:[A-Z]\w*(?:day|tag)),).*$"
)


def _cut_names(text: str) -> str:
    """``text`` up to where a date, separator or "on"/"am" follows the names."""
    return _NAME_END.sub("", text)


def from_elements(elements: list[Tag]) -> tuple[str, ...]:
    """Author names from byline/author elements (class/id ``byline``, ``author``...).

    Short elements are read whole ("By Jane Doe and John Roe"); longer ones (author
    boxes after the text) through their name element, a "By ..." sentence, or their
    first link to an author page.

    Args:
        elements: Candidate elements in page order.

    Returns:
        The names of the first element that yields any.
    """
    for tag in elements[:40]:
        if tag.name in ("body", "html", "article", "main", "img", "meta", "time"):
            continue
        if _NOT_NAME_CLASS.search(" ".join(tag.get("class") or [])):
            continue
        if in_form_or_comments(tag):
            continue
        inside = _name_inside(tag)
        if inside:
            names = split_names(inside)
            if names:
                return names
        text = _SPACE.sub(" ", tag.get_text(" ", strip=True))
        if not text:
            continue
        if len(text) <= 80:
            names = split_names(text)
            if names:
                return names
        match = _BY_IN_TEXT.search(text[:300])
        if match:
            names = split_names(match.group(1))
            if names:
                return names
    return ()
