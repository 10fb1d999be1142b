"""Per-publication CSS-selector overrides, read from a TOML file (``--site-config``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import soupsieve

from indexer.errors import SiteConfigError

#: Keys a site config may set; each is a CSS selector (string) or a list of them.
SELECTOR_KEYS = ("body", "ignore", "title", "authors", "tags", "section", "published")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """CSS selectors that take precedence over every other source of evidence.

    Attributes:
        body: Selectors of the article text container(s).
        ignore: Selectors of elements removed before anything is extracted.
        title, authors, tags, section, published: Selectors of the field's element(s).
    """

    body: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    published: tuple[str, ...] = ()


EMPTY = SiteConfig()


def load_site_config(path: Path) -> SiteConfig:
    """Read a site config TOML file.

    The file holds a ``[selectors]`` table (or top-level keys) such as::

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
    table = data.get("selectors", data)
    if not isinstance(table, dict):
        raise SiteConfigError(f"site config {path}: [selectors] must be a table")
    unknown = sorted(set(table) - set(SELECTOR_KEYS) - {"selectors"})
    if unknown:
        raise SiteConfigError(
            f"site config {path}: unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(SELECTOR_KEYS)}"
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
    return SiteConfig(**values)
