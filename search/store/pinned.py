"""The Whoosh version whose internals this package relies on."""

from __future__ import annotations

import whoosh

#: ``whoosh-reloaded`` release the private names used in ``search.store`` were read
#: from (WHOOSH-NOTES). Another version may rename them: check before unpinning.
PINNED_WHOOSH: tuple[int, ...] = (2, 7, 5)


def whoosh_version() -> tuple[int, ...]:
    """The installed Whoosh version."""
    return tuple(whoosh.__version__)


def is_pinned_version() -> bool:
    """Whether the installed Whoosh is the version ``search.store`` was written for."""
    return whoosh_version() == PINNED_WHOOSH
