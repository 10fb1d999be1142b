"""Date parsing for metadata: ISO and free-form date strings, dates in visible text."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, tzinfo

from dateutil import parser as date_parser
from dateutil import tz

#: Earliest year accepted as a publication date (older values are template junk).
MIN_YEAR = 1990

#: Month names (and common abbreviations) in several languages, lower-case, to numbers.
MONTHS: dict[str, int] = {}
_MONTH_NAMES = (
    # en, de, fr, es, it, pt, nl, sv/da/no, pl (nominative + genitive),
    # ru (genitive), tr, cs (genitive), id, fi, ro, hu
    "january jan januar jänner janvier janv enero ene gennaio gen janeiro januari "
    "styczeń stycznia января ocak ledna tammikuuta ianuarie január",
    "february feb februar février févr fevrier febrero febbraio fevereiro februari "
    "luty lutego февраля şubat subat února unora helmikuuta februarie február",
    "march mar märz maerz mars marzo março marco maart marzec marca марта mart "
    "března brezna maaliskuuta martie március",
    "april apr avril abril aprile abr kwiecień kwietnia апреля nisan dubna "
    "huhtikuuta aprilie április",
    "may mai mayo maggio mag maio mei maj maja мая mayıs mayis května kvetna "
    "toukokuuta május",
    "june jun juni juin junio giugno giu junho czerwiec czerwca июня haziran června "
    "cervna kesäkuuta iunie június",
    "july jul juli juillet juil julio luglio lug julho lipiec lipca июля temmuz "
    "července cervence heinäkuuta iulie július",
    "august aug août aout agosto ago augustus augusti sierpień sierpnia августа "
    "ağustos agustos srpna elokuuta augusztus",
    "september sep sept septembre septiembre settembre set setembro wrzesień "
    "września сентября eylül eylul září zari syyskuuta septembrie szeptember",
    "october oct oktober octobre octubre ottobre ott outubro out okt październik "
    "października октября ekim října rijna lokakuuta octombrie október",
    "november nov novembre noviembre novembro listopad listopada ноября kasım kasim "
    "listopadu marraskuuta noiembrie",
    "december dec dezember décembre decembre diciembre dic dicembre dezembro dez "
    "desember grudzień grudnia декабря aralık aralik prosince joulukuuta decembrie",
)
for _number, _names in enumerate(_MONTH_NAMES, start=1):
    for _name in _names.split():
        MONTHS[_name] = _number

#: A word where a month name may stand; the word is then looked up in MONTHS (one
#: letter class is much faster to scan than an alternation of every month name).
_WORD = r"([^\W\d_]{3,})"
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:\.|er|º|st|nd|rd|th)?\s*(?:de\s+)?{_WORD}\.?,?\s*"
    rf"(?:de\s+)?(\d{{4}})\b",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_WORD}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d{1,2})-(\d{1,2})(?!\d)")
_YMD_SLASH = re.compile(r"\b((?:19|20)\d\d)[/.](\d{1,2})[/.](\d{1,2})(?!\d)")
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})([./-])\s?(\d{1,2})\2\s?((?:19|20)\d\d)\b")
_SHORT_DMY = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?![\d.])")
_CJK_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_URL_DATE = re.compile(
    r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)
_URL_DATE_SEP = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")
_URL_DATE_DMY = re.compile(
    r"/(0?[1-9]|[12]\d|3[01])[-.](0?[1-9]|1[0-2])[-.]((?:19|20)\d\d)(?:[/?#]|$)"
)
_TWO_DIGITS = re.compile(r"\d\d")
_TIMESTAMP = re.compile(r"^\d{10}(?:\d{3})?$")
_TZINFOS: dict[str, tzinfo] = {
    name: tz.tzoffset(name, hours * 3600)
    for name, hours in (
        ("EST", -5),
        ("EDT", -4),
        ("CST", -6),
        ("CDT", -5),
        ("MST", -7),
        ("MDT", -6),
        ("PST", -8),
        ("PDT", -7),
        ("GMT", 0),
        ("UTC", 0),
        ("BST", 1),
        ("CET", 1),
        ("CEST", 2),
        ("MEZ", 1),
        ("MESZ", 2),
        ("IST", 5),
        ("JST", 9),
        ("AEST", 10),
    )
}


def _aware(value: datetime) -> datetime:
    """``value`` with a timezone: naive times are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _plausible(value: datetime, now: datetime | None = None) -> bool:
    """Whether ``value`` can be an article date (not ancient, not far future)."""
    limit = (now or datetime.now(UTC)) + timedelta(days=2)
    return value.year >= MIN_YEAR and _aware(value) <= limit


def _make(year: int, month: int, day: int) -> datetime | None:
    try:
        value = datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None
    return value if _plausible(value) else None


def parse_date(raw: str | None, *, month_first: bool = True) -> datetime | None:
    """Parse a machine-readable or free-form date string into an aware datetime.

    Order: ISO 8601 (``datetime.fromisoformat``), a Unix timestamp, dateutil's
    parser (only for ASCII strings holding a whole date, so "2020" or "15:32" never
    become today's date), then the multilingual text patterns of
    :func:`find_date_in_text`.

    Args:
        raw: The string (a meta tag's content, a ``datetime`` attribute, ...).
        month_first: Read ``a/b/yyyy`` as month/day. True suits machine-written
            values (server defaults are US style); ``d.m.yyyy`` is always day first.

    Returns:
        The datetime (naive values taken as UTC), or None when nothing plausible.
    """
    if not raw:
        return None
    text = raw.strip()
    if not text or len(text) > 200:
        return None
    value: datetime | None = None
    iso = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        value = None
    if value is None and _TIMESTAMP.match(text):
        value = datetime.fromtimestamp(int(text[:10]), UTC)
    if value is None and text.isascii() and _WHOLE_DATE.search(text):
        value = _dateutil(text, month_first)
    if value is None:
        return find_date_in_text(text, month_first=month_first)
    value = _aware(value)
    return value if _plausible(value) else None


_WHOLE_DATE = re.compile(
    r"\d{4}-\d\d?-\d\d?|\d\d?[./-]\d\d?[./-]\d{4}|\d{4}/\d\d?/\d\d?|\d{8}|"
    r"[a-zA-Z]{3,}\.?\s+\d\d?\b.*\d{4}|\d\d?\.?\s+[a-zA-Z]{3,}.*\d{4}"
)


def _dateutil(text: str, month_first: bool) -> datetime | None:
    numeric = _NUMERIC_DMY.search(text)
    day_first = numeric is not None and (numeric.group(2) != "/" or not month_first)
    with warnings.catch_warnings():
        # an unknown zone name ("... 10:00 MEZT") only costs the offset
        warnings.simplefilter("ignore", date_parser.UnknownTimezoneWarning)
        try:
            return date_parser.parse(text, dayfirst=day_first, tzinfos=_TZINFOS)
        except (ValueError, OverflowError, TypeError):
            return None


def find_date_in_text(text: str, *, month_first: bool = False) -> datetime | None:
    """Find the first plausible calendar date written in ``text``.

    Recognises ISO dates, ``2020/05/12``, ``12.05.2020`` (``05/12/2020`` month
    first when ``month_first``), ``12 May 2020`` / ``12. Mai 2020`` / ``12 de mayo
    de 2020``, ``May 12, 2020`` and ``2020年5月12日``, with month names in the
    languages of :data:`MONTHS`. The earliest match in the text wins.

    Args:
        text: Visible text (a byline, a date element, a paragraph...).
        month_first: Read ambiguous ``a/b/yyyy`` dates as month/day (US style).

    Returns:
        The date at midnight UTC, or None.
    """
    if not _TWO_DIGITS.search(text):
        return None  # every pattern needs a year: a cheap test first
    found: list[tuple[int, datetime]] = []
    for match in _ISO_DATE.finditer(text):
        _keep(found, match.start(), _make(*map(int, match.groups())))
    for match in _YMD_SLASH.finditer(text):
        _keep(found, match.start(), _make(*map(int, match.groups())))
    for match in _CJK_DATE.finditer(text):
        _keep(found, match.start(), _make(*map(int, match.groups())))
    for match in _DAY_MONTH_YEAR.finditer(text):
        day, month, year = match.groups()
        if month.lower() in MONTHS:
            value = _make(int(year), MONTHS[month.lower()], int(day))
            _keep(found, match.start(), value)
    for match in _MONTH_DAY_YEAR.finditer(text):
        month, day, year = match.groups()
        if month.lower() in MONTHS:
            value = _make(int(year), MONTHS[month.lower()], int(day))
            _keep(found, match.start(), value)
    for match in _SHORT_DMY.finditer(text):
        day, month, year = map(int, match.groups())
        _keep(found, match.start(), _make(2000 + year, month, day))
    for match in _NUMERIC_DMY.finditer(text):
        first, sep, second, year = match.groups()
        a, b = int(first), int(second)
        if month_first and sep == "/" and a <= 12:
            a, b = b, a
        value = _make(int(year), b, a) or _make(int(year), a, b)
        _keep(found, match.start(), value)
    if not found:
        return None
    return min(found, key=lambda item: item[0])[1]


def _keep(found: list[tuple[int, datetime]], pos: int, value: datetime | None) -> None:
    if value is not None:
        found.append((pos, value))


def date_from_url(url: str | None) -> datetime | None:
    """The date in a URL path: ``/2020/05/12/slug``, ``/20200512-slug``, then a
    whole segment ``/12-05-2020`` (day first)."""
    if not url:
        return None
    match = _URL_DATE_SEP.search(url) or _URL_DATE.search(url)
    if match is not None:
        return _make(*map(int, match.groups()))
    match = _URL_DATE_DMY.search(url)  # a last path segment ".../29-10-2021"
    if match is None:
        return None
    day, month, year = map(int, match.groups())
    return _make(year, month, day)
