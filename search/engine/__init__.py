"""The engine: one request's run (matching, ranking steps, facets, highlights),
suggestions, related posts and per-generation state, behind ``SearchEngine``.

No falcon here: the engine is used from the HTTP layer, the CLI, tests and a REPL.
"""

from search.engine.facade import SearchEngine

__all__ = ["SearchEngine"]
