"""The HTTP layer: the Falcon app factory, thin resources, parameters, middleware,
request metrics, the search page and the OpenAPI document.

Only this package (with ``search.cli`` and ``search.wsgi``) imports falcon or
waitress; its modules are imported by name (this file imports nothing).
"""
