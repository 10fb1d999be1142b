"""analysis-search: the read side (Whoosh index, query engine, Falcon service).

This package docstring is all there is: importing ``search`` must stay cheap and must
not pull in falcon or waitress, because the indexer imports ``search.schema``.
"""
