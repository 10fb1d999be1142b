"""``analysis-search query`` and ``serve`` argument handling (``search.cli.main``)."""

from __future__ import annotations

import io
import json
import re
import socket

import pytest

from search.cli import main, plain_text

TURKIYE = "https://meridian-review.example/energy/turkiye-black-sea-gas-pricing"


@pytest.fixture(scope="module")
def index_dir(examples_index):
    return examples_index


def run(argv):
    out = io.StringIO()
    return main(argv, stdout=out), out.getvalue()


def test_query_prints_hits_snippets_and_facets(index_dir):
    code, text = run(["query", "black", "sea", "gas", "--index", str(index_dir)])
    assert code == 0
    first = text.splitlines()[0]
    assert "result" in first and "'black sea gas'" in first
    assert "Türkiye's Black Sea Gas Arrives" in text.replace("[", "").replace("]", "")
    assert "[Gas]" in text  # <mark> becomes brackets when not on a terminal
    assert "<mark>" not in text
    assert "\ntags: " in text and "\nyear: " in text


def test_query_prints_each_snippet_on_one_line(index_dir):
    code, text = run(["query", "gas", "--index", str(index_dir)])
    assert code == 0
    assert "… …" not in text  # the snippet's own ellipsis is not doubled
    outline = re.compile(r"(\d+ results? for |\d+\. |\w+: |$)")
    # Every line that is not indented is the header, a hit's number or a facet:
    # no paragraph of a snippet spills onto a line of its own.
    for line in text.splitlines():
        if not line.startswith("   "):
            assert outline.match(line), line


def test_query_json_is_the_search_body(index_dir):
    code, text = run(
        ["query", "gas", "--index", str(index_dir), "--json", "--tag", "Energy"]
    )
    assert code == 0
    body = json.loads(text)
    assert body["query"]["tags"] == ["Energy"]
    assert TURKIYE in [h["id"] for h in body["hits"]]
    assert all("Energy" in h["tags"] for h in body["hits"])
    assert body["query"]["facet_size"] == 20  # the default of /search


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "--index", "x"],
        ["query", "gas", "--sort", "popular", "--index", "x"],
        ["query", "gas", "--from", "May", "--index", "x"],
        ["serve", "--port", "http"],
        ["serve", "--index", "/no/such/index"],
        ["query", "gas", "--index", "/no/such/index"],
        ["serve", "--index", "{index}", "--port", "0"],
        ["query", "gas", "--index", "{index}", "--per-page", "500"],
        ["query", "gas", "--index", "{index}", "--facets", "colour"],
        ["query", "gas", "--index", "{index}", "--year", "abc"],
        ["nothing"],
        [],
    ],
)
def test_usage_errors_exit_2(index_dir, argv, capsys):
    argv = [a.replace("{index}", str(index_dir)) for a in argv]
    code, text = run(argv)
    assert code == 2
    assert text == ""
    err = capsys.readouterr().err
    assert err and "Traceback" not in err


def test_serve_on_a_taken_port_is_one_clear_line(index_dir, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _ = run(["serve", "--index", str(index_dir), "--port", str(port)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_plain_text_marks():
    marked = "a <mark>b</mark> &amp; <mark>c</mark>"
    assert plain_text(marked, bold=False) == "a [b] & [c]"
    assert plain_text(marked, bold=True) == "a \033[1mb\033[0m & \033[1mc\033[0m"


@pytest.mark.parametrize("command", ["serve", "query"])
def test_a_folder_without_an_index_exits_1(tmp_path, command, capsys):
    argv = [command, "--index", str(tmp_path)]
    if command == "query":
        argv.insert(1, "gas")
    code, _ = run(argv)
    assert code == 1
    err = capsys.readouterr().err
    assert "holds no index" in err and "Traceback" not in err
