"""Boilerplate vocabulary: class/id words of boxes and text labels, multilingual.

Two kinds of evidence, both multilingual and site-independent:

- ``names_kind``: whether an element's class names and id make it a boilerplate box
  (navigation, share bar, related posts, newsletter, comments, cookie banner, ad...).
- ``is_boilerplate_line`` / ``ends_article``: whether a short block of text is a
  label or call to action ("Share", "Lesen Sie auch", "Subscribe to..."), a dateline,
  a menu line, or a subheading after which the page's tail begins ("Related stories").
"""

from __future__ import annotations

import re
from functools import lru_cache

NOT_BOX, WEAK_BOX, BOX = 0, 1, 2

#: Class/id words of boilerplate boxes (matched as whole words of a class or id,
#: where words are split on ``-``, ``_``, spaces and camelCase).
BOILERPLATE_WORDS = frozenset(
    {
        # navigation and page furniture
        "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs",
        "sidebar", "footer", "masthead", "topbar", "toolbar", "pagination",
        "pager", "skiplink", "offcanvas", "crumb", "crumbs", "toc", "prev",
        "previous", "prevnext", "nextprev", "pagenav", "postnav",
        # sharing and social
        "share", "sharing", "shares", "social", "socials", "sharebar", "addthis",
        "sharethis", "shariff", "sociable",
        # related / recommended
        "related", "recommended", "recommendations", "recirculation", "outbrain",
        "taboola", "morestories", "readmore", "mostread",
        # subscribe / newsletter / donate / paywall
        "newsletter", "newsletters", "subscribe", "subscription", "signup",
        "donate", "donation", "paywall", "optin",
        # ads
        "ad", "ads", "advert", "advertisement", "advertising", "adslot", "adunit",
        "dfp", "sponsor", "sponsored",
        # comments
        "comment", "comments", "disqus", "respond", "kommentare", "kommentar",
        "commentaires", "comentarios", "commenti", "reacties", "komentarze",
        # cookie / consent / modals
        "cookie", "cookies", "consent", "gdpr", "popup", "modal", "dialog",
        # screen-reader-only text
        "sronly", "visuallyhidden", "screenreader",
        # whole class names of hidden elements ("field-label-hidden" is not one)
        "hidden", "is-hidden", "hide", "d-none", "visually-hidden", "sr-only",
        "screen-reader-text", "element-invisible", "invisible",
    }
)  # fmt: skip
#: Class/id words of boxes that are boilerplate only when they hold little prose
#: (page builders name whole article wrappers ``widget``, themes name them ``meta``).
WEAK_BOILERPLATE_WORDS = frozenset(
    {
        "widget", "widgets", "meta", "postmeta", "byline", "dateline", "tags",
        "tagcloud", "tagged", "keywords", "categories", "category", "dek",
        "standfirst", "kicker", "eyebrow", "bio", "authorbio", "author", "about",
        "follow", "promo", "promotion", "banner", "trending", "popular", "cta",
        "membership", "caption", "credit", "credits", "copyright", "overlay",
        "reply", "replies", "skip", "aside", "teasers", "disclaimer", "notice",
        "licence", "license", "autor", "auteur", "autore", "legend", "legende",
    }
)  # fmt: skip
#: Words that mark a wrapper of the article (a box named ``post-share`` is still
#: boilerplate; these only protect an element holding most of the text).
CONTENT_WORDS = frozenset(
    {"article", "content", "body", "entry", "post", "story", "text", "main"}
)
#: Class/id words of embedded posts and quotes: part of the article.
EMBED_WORDS = frozenset({"embed", "embedded", "tweet", "pullquote", "blockquote"})
#: ARIA roles of boilerplate regions.
BOILERPLATE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "menu",
     "menubar", "dialog", "alertdialog", "toolbar"}
)  # fmt: skip

_WORD_SPLIT = re.compile(r"[-_\s:./]+|(?<=[a-z])(?=[A-Z])")
#: Class names with these words describe a state (``has-ads``, ``no-sidebar``).
_MODIFIER_WORDS = frozenset({"has", "no", "with", "without", "show"})
#: Class names naming a post's taxonomy terms, not a box (``category-sidebar``).
_TAXONOMY_CLASS = re.compile(r"(?:category|tag|format|status)-|(?:post|postid)-\d+$")
#: Words that mark a box only as a whole class name (``hidden``, not ``label-hidden``).
_WHOLE_NAME_ONLY = frozenset({"hidden", "hide", "invisible"})
#: Labels that are boilerplate when they are a whole block ("Share", "Tags",
#: "Anzeige"), in several languages; matched case-folded, ignoring punctuation.
_LABELS = (
    # English
    "share|share this|share this article|share this story|tweet|e-?mail|print|"
    "comments?|tags?|topics|categories|category|related|recommended|advertisement|"
    "advert|sponsored|subscribe|newsletter|contact|phone|fax|tel|cookies?|"
    "read more|more|"
    # German
    "teilen|kommentare?|kommentieren|themen|schlagw[öo]rter?|anzeige|werbung|"
    "kontakt|telefon|weiterlesen|beitragsbild|mehr|"
    # French, Spanish, Portuguese, Italian, Dutch, Polish, Russian, Japanese
    "partager|commentaires?|mots-clés|publicité|compartir|comentarios?|"
    "etiquetas|publicidad|lo último|compartilhe|comentários|pubblicità|"
    "condividi|commenti|delen|reacties|reclame|udostępnij|komentarze|reklama|"
    "поделиться|комментарии|реклама|関連記事|コメント"
)
#: Beginnings of short boilerplate blocks ("Read more: ...", "Lesen Sie auch ...").
_LABEL_PREFIXES = (
    # English
    "share on|share this|read more|read also|see also|more from|"
    "more (?:stories|news|articles|videos|photos|topics|on|about|like this)|"
    "related (?:articles|stories|posts|content|coverage)|top stories|"
    "most (?:read|popular|viewed)|don'?t miss|you (?:may|might) also like|"
    "filed under|posted in|tagged|tags:|about the author|"
    "last (?:modified|updated)|updated:|published:|image \\d+ of \\d+|"
    "image copyright|all rights reserved|copyright|follow us|\\d+ comments?|"
    "no comments|leave a (?:comment|reply)|table of contents|print recipe|"
    "(?:contact|phone|tel\\.?|fax|e-?mail|kontakt|telefon)\\s*:|"
    "(?:photos?|fotos?|bild|image|credits?|crédits?(?: photos?)?|quelle|source)\\s*:|"
    # German
    "lesen sie (?:auch|mehr)|mehr zum thema|"
    "mehr (?:zu|aus|von|über|themen|artikel|nachrichten|news|interessantes|infos)|"
    "ähnliche (?:beiträge|artikel)|weitere (?:artikel|beiträge|informationen|themen)|"
    "schon gelesen|über den autor|letzte änderung|aktualisiert am|keine kommentare|"
    "das könnte (?:dich|sie)|verwandte artikel|zum weiterlesen|inhaltsverzeichnis|"
    "rezept drucken|bild anzeigen|"
    # French, Spanish, Portuguese, Italian, Dutch, Polish, Russian
    "lire aussi|à lire aussi|lire la suite|voir aussi|vos réactions|"
    "sur le même sujet|leer más|lea también|noticias relacionadas|leia também|"
    "leia mais|leggi anche|lees ook|czytaj (?:też|także)|"
    "zobacz (?:też|także|również)|читайте также"
)
_BOILERPLATE_PHRASE = re.compile(
    rf"^\W*(?:(?:{_LABELS})[\W\d]*|(?:{_LABEL_PREFIXES})(?:\W.{{0,40}})?)$", re.I
)
MAX_PHRASE_BLOCK = 60

#: Subheadings after which the rest of their section is not the article.
_SECTION_END = re.compile(
    r"^\W*(?:"
    r"related(?: articles| stories| posts| news| content| coverage)?|"
    r"more (?:stories|news|articles|from\b.*)|most (?:popular|read|viewed)|"
    r"popular(?: posts| articles| stories)?|top stories|trending(?: now)?|"
    r"you (?:may|might) also (?:like|enjoy)|recommended(?: for you)?|"
    r"read (?:more|next|also)|partner news|(?:leave a |post a )?comments?|"
    r"\d+ comments?|leave a reply|more on this (?:story|topic)|"
    r"lesen sie auch|mehr zum thema|weitere (?:artikel|beiträge|nachrichten|themen)|"
    r"ähnliche (?:artikel|beiträge)|das könnte sie auch interessieren|kommentare|"
    r"lire aussi|à lire aussi|sur le même sujet|articles similaires|les plus lus|"
    r"commentaires|noticias relacionadas|lo más leído|te puede interesar|"
    r"artículos relacionados|leggi anche|articoli correlati|i più letti|"
    r"czytaj także|zobacz też|najpopularniejsze|читайте также|самые популярные.*|"
    r"похожие (?:статьи|новости)|関連記事|人気記事"
    r")\W*$",
    re.I,
)
#: Short blocks mentioning one of these are calls to action, not article text.
_BOILERPLATE_MENTION = re.compile(
    r"\bsubscri(?:be|ber|ption)|\bnewsletter|\bsign up\b|\blog in\b|"
    r"\bfollow (?:us|me|him|her)\b|all rights reserved|©|\babonn|\binscri|"
    r"\bsuscr|\biscriviti|\bregistrier|\banmelden\b|\beinloggen\b|\bzaloguj|"
    r"\bподпи|requires javascript|enable javascript|click here|"
    r"\bshare (?:it|this)\b|read the full story|continue reading",
    re.I,
)
MAX_MENTION_BLOCK = 160
#: A short block with several " | " separators is a menu line.
MAX_MENU_LINE = 200
#: A short block that is only a date, time and a few words is a dateline.
MAX_DATE_LINE = 90
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_NUMERIC_DATE = re.compile(r"(?<![\d-])\d{1,4}[./-]\d{1,2}[./-]\d{2,4}(?![\d-])")
_DATE_COMPANION = re.compile(
    r"\b\d{1,2}:\d\d\b|\b(?:jan|feb|fév|fev|mar|mär|apr|avr|abr|may|mai|mei|mag|jun|"
    r"jui|giu|jul|lug|aug|aoû|ago|sep|set|oct|okt|ott|out|nov|dec|dez|déc|dic|ene|"
    r"gen|maj|lip|sie|wrz|paź|lis|gru|sty|lut|kwi|cze|янв|фев|мар|апр|мая|июн|июл|"
    r"авг|сен|окт|ноя|дек)",
    re.I,
)
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_date_line(text: str) -> bool:
    """Whether a short block is a date line ("October 12, 2017", "12.12.2022 08:30")."""
    if _NUMERIC_DATE.search(text) is None and not (
        _YEAR.search(text) and _DATE_COMPANION.search(text)
    ):
        return False
    return len(_LETTER_WORD.findall(text)) <= 6


def is_boilerplate_line(text: str) -> bool:
    """Whether a block of text (whitespace collapsed) is boilerplate, not prose."""
    n = len(text)
    if (
        n < MAX_PHRASE_BLOCK
        and not text.endswith(".")
        and _BOILERPLATE_PHRASE.match(text)
    ):
        return True  # a label ("Share", "Lesen Sie auch"); a sentence ends with "."
    if n < MAX_MENTION_BLOCK and _BOILERPLATE_MENTION.search(text):
        return True
    if n < MAX_DATE_LINE and _is_date_line(text):
        return True
    return n < MAX_MENU_LINE and text.count(" | ") >= 2  # "Feed | Comments | Top"


def ends_article(heading: str) -> bool:
    """Whether a subheading's text opens the page's tail (related posts, comments)."""
    return len(heading) < MAX_PHRASE_BLOCK and _SECTION_END.match(heading) is not None


@lru_cache(maxsize=8192)
def class_words(classes: tuple[str, ...], ident: str) -> frozenset[str]:
    """The words of an element's class names and id, lower-cased.

    Each name counts whole and split into words (on ``-``, ``_`` and camelCase);
    state names (``has-ads``) are left out, and so are the taxonomy classes of a
    WordPress post (``category-sidebar`` on an element classed ``hentry``).
    """
    words: set[str] = set()
    wp_post = any(c == "hentry" or c.startswith("type-") for c in classes)
    for part in (*classes, ident):
        if not part:
            continue
        low = part.lower()
        if wp_post and _TAXONOMY_CLASS.match(low):
            continue
        split = [w.lower() for w in _WORD_SPLIT.split(part) if w]
        if _MODIFIER_WORDS.isdisjoint(split):
            words.update(w for w in split if w not in _WHOLE_NAME_ONLY)
            words.add(low)
    return frozenset(words)


@lru_cache(maxsize=8192)
def names_kind(classes: tuple[str, ...], ident: str) -> int:
    """The box kind an element's class names and id give it.

    Returns:
        ``NOT_BOX``; ``WEAK_BOX`` when the names have a weak boilerplate word, or a
        boilerplate word and a content word (``widget-post-content``): a box only
        when it holds little prose; ``BOX``.
    """
    words = class_words(classes, ident)
    if not words or not words.isdisjoint(EMBED_WORDS):
        return NOT_BOX
    if not words.isdisjoint(BOILERPLATE_WORDS):
        return BOX if words.isdisjoint(CONTENT_WORDS) else WEAK_BOX
    return NOT_BOX if words.isdisjoint(WEAK_BOILERPLATE_WORDS) else WEAK_BOX
