"""Whoosh I/O: open and verify an index, write and commit, zero-copy storage, block
readers.

The only package of ``search`` that touches Whoosh internals (private attributes,
monkeypatches); ``tests/test_search_store.py`` fails loudly when the pinned Whoosh
version changes under it. The indexer uses ``search.store.index`` and
``search.store.writing`` too.
"""
