"""Whoosh I/O: open and verify an index, write and commit (in parallel writer
processes too), zero-copy storage, block readers, and each segment's postings
arrays.

The only package of ``search`` that touches Whoosh internals (private attributes,
monkeypatches); ``tests/test_search_store.py`` fails loudly when the pinned Whoosh
version changes under it. The indexer uses ``search.store.index``,
``search.store.writing`` (with ``parallel``) and ``search.store.arrays`` too.
"""
