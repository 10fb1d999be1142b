"""WSGI entry point: ``app`` built from the ``ANALYSIS_SEARCH_*`` environment.

The only module with an import-time side effect. Serve it with
``python -m waitress --listen=127.0.0.1:8080 search.wsgi:app``.
"""

from __future__ import annotations

from search.web.app import create_app

app = create_app()
