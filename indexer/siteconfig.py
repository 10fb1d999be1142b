"""Per-publication CSS-selector overrides and default language, read from a TOML
file (``--site-config``) and ``--language``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import soupsieve

from indexer.errors import SiteConfigError
from search.languages import language_code

#: Keys a site config may set; each is a CSS selector (string) or a list of them.
SELECTOR_KEYS = ("body", "ignore", "title", "authors", "tags", "section", "published")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """CSS selectors that take precedence over every other source of evidence.

    Attributes:
        body: Selectors of the article text container(s).
        ignore: Selectors of elements removed before anything is extracted.
        title, authors, tags, section, published: Selectors of the field's element(s).
        language: The language of pages that name none (a code such as ``de``;
            ``""``: English, as documents without a language are analysed).
    """

    body: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    language: str = ""


EMPTY = SiteConfig()


def check_language(value: str, where: str) -> str:
    """The language code of ``value`` (``de-AT`` -> ``de``).

    Raises:
        SiteConfigError: ``value`` is not a language tag.
    """
    code = language_code(value)
    if not code:
        raise SiteConfigError(
            f"{where}: {value!r} is not a language code (such as en, de or pt-BR)"
        )
    return code


def load_site_config(path: Path) -> SiteConfig:
    """Read a site config TOML file.

    The file holds a ``[selectors]`` table (or top-level keys) such as::

        language = "de"            # pages that name no language are German
        [selectors]
        body = "div.entry-content"
        ignore = [".share-bar", ".newsletter"]

    Args:
        path: The TOML file.

    Returns:
        The parsed ``SiteConfig``.

    Raises:
        SiteConfigError: The file is missing, not TOML, or has unknown keys or values
            that are not strings or lists of strings.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteConfigError(
            f"cannot read site config {path}: {exc.strerror}"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"site config {path} is not valid TOML: {exc}") from None
    language = ""
    if "language" in data:
        raw_language = data["language"]
        if not isinstance(raw_language, str):
            raise SiteConfigError(f"site config {path}: 'language' must be a string")
        language = check_language(raw_language, f"site config {path}")
    table = data.get("selectors", data)
    if not isinstance(table, dict):
        raise SiteConfigError(f"site config {path}: [selectors] must be a table")
    unknown = sorted(set(table) - set(SELECTOR_KEYS) - {"selectors", "language"})
    if unknown:
        raise SiteConfigError(
            f"site config {path}: unknown key(s) {', '.join(unknown)}; "
            f"known: language, {', '.join(SELECTOR_KEYS)}"
        )
    values: dict[str, tuple[str, ...]] = {}
    for key in SELECTOR_KEYS:
        raw = table.get(key, [])
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
            raise SiteConfigError(
                f"site config {path}: {key!r} must be a CSS selector or a list of them"
            )
        selectors = tuple(s.strip() for s in raw if s.strip())
        for selector in selectors:
            try:
                soupsieve.compile(selector)
            except soupsieve.SelectorSyntaxError as exc:
                raise SiteConfigError(
                    f"site config {path}: {key!r} has an invalid CSS selector "
                    f"{selector!r}: {exc.args[0] if exc.args else exc}"
                ) from None
        values[key] = selectors
    return SiteConfig(**values, language=language)
