"""The README stays in sync with the code: settings, endpoints, parameters, fields."""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from search.config import Config, env_name
from search.web import openapi
from search.web.routes import API_ROUTES

README = Path(__file__).resolve().parent.parent / "README.md"


def section(title: str) -> str:
    """The text of one ``## title`` section of the README."""
    text = README.read_text("utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


@pytest.fixture(scope="module")
def config_table() -> dict[str, str]:
    """``variable -> default`` from the configuration table."""
    rows = re.findall(
        r"^\| `(ANALYSIS_SEARCH_\w+)` \| (.*?) \|", section("Configuration"), re.M
    )
    return dict(rows)


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Config)])
def test_every_setting_is_documented(config_table, field):
    assert env_name(field) in config_table


def test_documented_settings_exist_and_defaults_match(config_table):
    fields = {env_name(f.name): f for f in dataclasses.fields(Config)}
    assert set(config_table) == set(fields)
    defaults = Config()
    for var, documented in config_table.items():
        value = getattr(defaults, fields[var].name)
        if value is None or value == ():
            assert documented == "unset", var
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            assert documented == f"`{value}`", var


def test_every_endpoint_is_documented():
    text = section("HTTP API")
    for route in API_ROUTES:
        shown = route.replace("{doc_id}", "{id}")
        assert f"GET {shown}" in text or f"PUT {shown}" in text, route
    for method, route in [("PUT", "/documents/{id}"), ("DELETE", "/documents/{id}")]:
        assert f"{method} {route}" in text


def _query_parameters() -> list[tuple[str, str]]:
    params = []
    for path, item in openapi.document()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for p in operation.get("parameters", []):
                if p["in"] == "query":
                    params.append((f"{method.upper()} {path}", p["name"]))
    return params


def documented_parameters(endpoint: str) -> set[str]:
    """First-column names of the tables under the endpoint's ``###`` heading."""
    text = section("HTTP API")
    shown = endpoint.replace("{doc_id}", "{id}")
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        heading = block.split("\n", 1)[0]
        if f"`{shown}`" in heading:
            cells = re.findall(r"^\| (`[^|]*`) \|", block, re.M)
            return {n for cell in cells for n in re.findall(r"`([^`]+)`", cell)}
    raise AssertionError(f"no ### section for {endpoint}")


@pytest.mark.parametrize(("endpoint", "name"), _query_parameters())
def test_every_query_parameter_is_documented(endpoint, name):
    assert name in documented_parameters(endpoint), (endpoint, name)


@pytest.mark.parametrize(
    "schema", sorted(n for n, s in openapi.SCHEMAS.items() if s.get("properties"))
)
def test_every_response_field_is_documented(schema):
    text = section("HTTP API")
    for name in openapi.SCHEMAS[schema]["properties"]:
        # A name in a table (`name`) or in a JSON shape ("name") is documented.
        assert f"`{name}`" in text or f'"{name}"' in text, (schema, name)


def _cli_parsers() -> dict[str, Any]:
    from indexer.cli import _crawl_parser, _parser
    from search.cli import (
        _merge_parser,
        _migrate_parser,
        _query_parser,
        _serve_parser,
        _snapshot_parser,
    )

    return {
        "index": _parser("index"),
        "extract": _parser("extract"),
        "crawl": _crawl_parser(),
        "serve": _serve_parser(),
        "query": _query_parser(),
        "snapshot": _snapshot_parser(),
        "merge": _merge_parser(),
        "migrate": _migrate_parser(),
    }


def _readme_command_lines() -> list[str]:
    lines = []
    for line in README.read_text("utf-8").splitlines():
        line = line.split("  #", 1)[0].strip()
        if line.startswith("analysis-search "):
            lines.append(line)
    return lines


@pytest.mark.parametrize("line", _readme_command_lines())
def test_readme_commands_parse_with_the_values_shown(line):
    command, *args = shlex.split(line)[1:]
    parser = _cli_parsers()[command]
    parsed = vars(parser.parse_args(args))  # a usage error raises
    for option, value in zip(args, [*args[1:], ""], strict=True):
        action = parser._option_string_actions.get(option)
        if action is None or action.nargs == 0 or value.startswith("-"):
            continue
        got = parsed[action.dest]
        shown = [str(v) for v in got] if isinstance(got, list) else [str(got)]
        assert value in shown, f"{option} {value} parsed as {got!r}"


def test_every_option_the_readme_names_exists():
    known = {
        option
        for parser in _cli_parsers().values()
        for action in parser._actions
        for option in action.option_strings
    }
    text = "".join(
        section(title)
        for title in (
            "Quick start",
            "The `analysis-search` command",
            "Indexing",
            "Crawling",
        )
    )
    named = set(re.findall(r"`(--[a-z][a-z-]*)", text))
    assert {"--prune", "--jobs", "--facet-size"} <= named
    assert named <= known


@pytest.mark.parametrize("command", ["index", "extract", "serve", "query", "snapshot"])
def test_every_option_of_the_commands_is_documented(command):
    text = README.read_text("utf-8")
    for action in _cli_parsers()[command]._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert re.search(rf"[`\[ ]{option}\b", text), (command, option)
