"""Service configuration: a frozen dataclass read from ANALYSIS_SEARCH_* variables."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import math
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from search.errors import ConfigError

#: Prefix of every environment variable the service reads.
ENV_PREFIX = "ANALYSIS_SEARCH_"

DEFAULT_INDEX = "var/index"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_THREADS = 8
DEFAULT_API_KEY: str | None = None
DEFAULT_CORS_ORIGINS: tuple[str, ...] = ()
DEFAULT_CACHE_SIZE = 2048
DEFAULT_TIME_LIMIT = 2.0
DEFAULT_REFRESH_INTERVAL = 0.5
DEFAULT_WRITER_TIMEOUT = 5.0
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_EXTRACT_COMMAND: tuple[str, ...] = (
    sys.executable,
    "-m",
    "indexer",
    "extract",
    "--jsonl",
    "-",
)
DEFAULT_EXTRACT_TIMEOUT = 30.0
DEFAULT_MAX_BODY_BYTES = 5_000_000
DEFAULT_CACHE_MAX_AGE = 10
DEFAULT_SITE_NAME = "Search"
#: 0: one worker process per core.
DEFAULT_WORKERS = 0
DEFAULT_READ_ONLY = False
DEFAULT_GRACEFUL_TIMEOUT = 30.0
DEFAULT_TRUSTED_PROXIES: tuple[str, ...] = ()
DEFAULT_AUTH_FAILURES = 10
DEFAULT_AUTH_WINDOW = 60.0

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_name(field_name: str) -> str:
    """The environment variable of a ``Config`` field (``port`` -> ``..._PORT``)."""
    return ENV_PREFIX + field_name.upper()


@dataclass(frozen=True, slots=True)
class Config:
    """Settings of one service process.

    Attributes:
        index: Directory of the Whoosh index to serve.
        host: Interface ``analysis-search serve`` listens on.
        port: TCP port ``analysis-search serve`` listens on.
        threads: Waitress worker threads (each gets its own Whoosh searcher).
        api_key: Bearer key that ``PUT``/``DELETE /documents/{id}`` require; writes
            are disabled (403) when unset.
        cors_origins: Origins allowed to call the API from a browser (none by
            default; ``*`` allows any).
        cache_size: Entries of the engine's in-memory result cache (0 disables it).
        time_limit: Seconds after which a search is cut off and answered as partial.
        refresh_interval: Seconds between checks for a changed index on disk.
        writer_timeout: Seconds a write waits for the index lock before a 503.
        log_level: Level of the service's log (one line per request at INFO).
        extract_command: Command that turns one HTML page on stdin into one JSON
            document line on stdout (used by ``PUT`` with an HTML body).
        extract_timeout: Seconds the extract command may run.
        max_body_bytes: Largest accepted ``PUT`` body.
        cache_max_age: ``Cache-Control: max-age`` seconds of search, suggest and
            document responses (0 sends ``no-cache``).
        site_name: The publication's name in the search page's title and the
            OpenSearch description browsers show.
        workers: Worker processes of ``analysis-search serve`` sharing its listening
            socket (0: one per core; 1: a single process, no supervisor).
        read_only: Serve an index snapshot: write endpoints answer 405, and a new
            snapshot switched in under the index path is picked up on the fly.
        graceful_timeout: Seconds a stopping worker waits for its in-flight
            requests before it exits anyway.
        trusted_proxies: Addresses or networks (CIDR) of reverse proxies whose
            ``X-Forwarded-For`` names the client; other peers are the client.
        auth_failures: Failed authentications from one client address within
            ``auth_window`` seconds before it gets 429 (0: no limit).
        auth_window: Seconds over which failed authentications are counted, and
            the ``Retry-After`` of the 429.
        settings: The editors' settings file (pinned results, hidden articles);
            None: ``settings.json`` in the index folder.
    """

    index: Path = Path(DEFAULT_INDEX)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    threads: int = DEFAULT_THREADS
    api_key: str | None = DEFAULT_API_KEY
    cors_origins: tuple[str, ...] = DEFAULT_CORS_ORIGINS
    cache_size: int = DEFAULT_CACHE_SIZE
    time_limit: float = DEFAULT_TIME_LIMIT
    refresh_interval: float = DEFAULT_REFRESH_INTERVAL
    writer_timeout: float = DEFAULT_WRITER_TIMEOUT
    log_level: str = DEFAULT_LOG_LEVEL
    extract_command: tuple[str, ...] = field(default=DEFAULT_EXTRACT_COMMAND)
    extract_timeout: float = DEFAULT_EXTRACT_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cache_max_age: int = DEFAULT_CACHE_MAX_AGE
    site_name: str = DEFAULT_SITE_NAME
    workers: int = DEFAULT_WORKERS
    read_only: bool = DEFAULT_READ_ONLY
    graceful_timeout: float = DEFAULT_GRACEFUL_TIMEOUT
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES
    auth_failures: int = DEFAULT_AUTH_FAILURES
    auth_window: float = DEFAULT_AUTH_WINDOW
    settings: Path | None = None

    def settings_path(self) -> Path:
        """The settings file: ``settings``, else ``settings.json`` in the index."""
        return (
            self.settings
            if self.settings is not None
            else self.index / ("settings.json")
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Config:
        """Build a config from environment variables (unset or empty: the default).

        Args:
            environ: A mapping such as ``os.environ`` (tests pass a plain dict).
            **overrides: Field values that win over the environment (command-line
                options); ``None`` values are ignored.

        Returns:
            The config (not yet validated: call ``validate()``).

        Raises:
            ConfigError: A variable cannot be converted to its field's type.
        """
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f.name), "").strip()
            if raw:
                values[f.name] = _convert(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name in ("index", "settings"):
            if name in values:
                values[name] = Path(str(values[name]))
        return cls(**values)  # type: ignore[arg-type]

    def validate(self, *, check_index: bool = True) -> Config:
        """Check the values (ranges, and that the index directory exists).

        Args:
            check_index: Also require the index directory to exist.

        Returns:
            ``self``, so calls can be chained.

        Raises:
            ConfigError: The first invalid setting, naming its variable.
        """
        checks: list[tuple[bool, str, str]] = [
            (1 <= self.port <= 65535, "port", "must be between 1 and 65535"),
            (1 <= self.threads <= 256, "threads", "must be between 1 and 256"),
            (0 <= self.workers <= 64, "workers", "must be between 0 and 64"),
            (self.graceful_timeout >= 0, "graceful_timeout", "must be 0 or more"),
            (self.cache_size >= 0, "cache_size", "must be 0 or more"),
            (self.time_limit > 0, "time_limit", "must be more than 0"),
            (self.refresh_interval >= 0, "refresh_interval", "must be 0 or more"),
            (self.writer_timeout >= 0, "writer_timeout", "must be 0 or more"),
            (self.log_level in LOG_LEVELS, "log_level", f"must be one of {LOG_LEVELS}"),
            (bool(self.extract_command), "extract_command", "must not be empty"),
            (self.extract_timeout > 0, "extract_timeout", "must be more than 0"),
            (self.max_body_bytes > 0, "max_body_bytes", "must be more than 0"),
            (self.cache_max_age >= 0, "cache_max_age", "must be 0 or more"),
            (self.auth_failures >= 0, "auth_failures", "must be 0 or more"),
            (self.auth_window > 0, "auth_window", "must be more than 0"),
            (bool(self.host), "host", "must not be empty"),
            (
                bool(self.site_name.strip()) and len(self.site_name) <= 100,
                "site_name",
                "must be 1 to 100 characters",
            ),
            (
                self.api_key is None or len(self.api_key) >= 16,
                "api_key",
                "must be at least 16 characters",
            ),
        ]
        for ok, name, message in checks:
            if not ok:
                raise ConfigError(f"{env_name(name)} {message}")
        if "*" in self.cors_origins and len(self.cors_origins) > 1:
            raise ConfigError(f"{env_name('cors_origins')}: '*' must be used alone")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"{env_name('trusted_proxies')}: {proxy!r} is not an IP address "
                    "or network (e.g. 127.0.0.1, 10.0.0.0/8)"
                ) from None
        for origin in self.cors_origins:
            if origin != "*" and not _is_origin(origin):
                raise ConfigError(
                    f"{env_name('cors_origins')}: {origin!r} is not an origin "
                    "(scheme://host[:port], e.g. https://www.example.org)"
                )
        if check_index and not self.index.is_dir():
            raise ConfigError(
                f"{env_name('index')}: index directory {str(self.index)!r} does not "
                "exist (build it with 'analysis-search index PATH --index DIR')"
            )
        return self

    def to_env(self) -> dict[str, str]:
        """The settings as ``ANALYSIS_SEARCH_*`` variables (``from_env`` reads them
        back): how ``serve`` hands its settings to its worker processes."""
        out: dict[str, str] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif f.name == "extract_command":
                text = shlex.join(value)
            elif isinstance(value, tuple):
                text = ",".join(value)
            else:
                text = str(value)
            out[env_name(f.name)] = text
        return out

    def worker_count(self) -> int:
        """Worker processes to run: ``workers``, or one per core when 0."""
        return self.workers or (os.cpu_count() or 1)

    def log_level_number(self) -> int:
        """The ``logging`` level number of ``log_level``."""
        return int(logging.getLevelName(self.log_level))


# Derived from the annotations (strings under ``from __future__ import annotations``),
# so a new numeric field is converted without being listed twice.
_INT_FIELDS = frozenset(f.name for f in dataclasses.fields(Config) if f.type == "int")
_FLOAT_FIELDS = frozenset(
    f.name for f in dataclasses.fields(Config) if f.type == "float"
)

_BOOL_FIELDS = frozenset(f.name for f in dataclasses.fields(Config) if f.type == "bool")
_BOOLEANS = {
    "1": True,
    "true": True,
    "yes": True,
    "0": False,
    "false": False,
    "no": False,
}


def _convert(name: str, raw: str) -> object:
    """Convert one variable's text to its field's type."""
    var = env_name(name)
    if name in _INT_FIELDS:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{var} must be an integer, got {raw!r}") from None
    if name in _FLOAT_FIELDS:
        try:
            number = float(raw)
        except ValueError:
            raise ConfigError(f"{var} must be a number, got {raw!r}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{var} must be a finite number, got {raw!r}")
        return number
    if name == "cors_origins":
        return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    if name == "trusted_proxies":
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    if name == "extract_command":
        try:
            return tuple(shlex.split(raw))
        except ValueError as exc:  # an unbalanced quote
            raise ConfigError(f"{var} cannot be split into words: {exc}") from None
    if name in _BOOL_FIELDS:
        value = _BOOLEANS.get(raw.lower())
        if value is None:
            raise ConfigError(f"{var} must be true or false, got {raw!r}")
        return value
    if name == "log_level":
        return raw.upper()
    if name in ("index", "settings"):
        return Path(raw)
    return raw


def _is_origin(text: str) -> bool:
    """Whether ``text`` is a browser origin: ``http(s)://host[:port]``, nothing more."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not (parts.path or parts.query or parts.fragment or parts.username)
    )
