"""When an index run commits: at the end only, or also every N documents or T seconds.

Kept apart from ``indexer.writer`` so the command line can name the defaults without
importing Whoosh.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommitPolicy:
    """When a run commits before its end.

    Attributes:
        every: Commit after this many added, replaced or deleted documents (0:
            never by count).
        seconds: Commit when this many seconds have passed since the last commit
            and something changed (0: never by time).
    """

    every: int = 0
    seconds: float = 0.0

    @property
    def periodic(self) -> bool:
        return self.every > 0 or self.seconds > 0


#: One commit at the end, nothing before (``--strict``, and small tools).
AT_END = CommitPolicy()
#: What ``index`` does by default: a killed run loses at most this much.
DEFAULT_POLICY = CommitPolicy(every=5000, seconds=120.0)
