"""search.engine.highlight: matches found with str.find are the regular
expression's, and spans, marks and snippets follow from them."""

from __future__ import annotations

import random

import pytest
from service_support import example_documents

from search.engine.highlight import Highlighter, fold
from search.query.analysis import analyze

TRICKY = [
    "Energy, energies and renewable energy: renergy is not a word; ENERGY.",
    "don't stop; O'Neill's plan, o’neill’s too, and don’t-energy_x energy_",
    "enenergy energ energi 2energy _energy energy2 x-energy",
    "Erdoğan's energy policy; Türkiye's gas; erdogan",
    "",
    "energy",
]


def _reference(hl: Highlighter, text: str) -> list[tuple[int, int]]:
    assert hl._re is not None
    return [m.span() for m in hl._re.finditer(fold(text))]


@pytest.mark.parametrize(
    "stems",
    [["energi"], ["energi", "gas"], ["neil", "stop"], ["erdogan", "turkiy"], ["t"]],
)
def test_find_gives_the_regular_expressions_matches(stems):
    hl = Highlighter(stems)
    for text in TRICKY:
        got = [m.span() for m in hl._matches(fold(text))]
        assert got == _reference(hl, text), (stems, text)


def test_find_agrees_on_the_example_articles():
    rng = random.Random(5)
    bodies = [d["body"] for d in example_documents()]
    words = sorted({w for b in bodies for w in analyze(b)})
    for body in bodies:
        stems = rng.sample(words, 3)
        hl = Highlighter(stems)
        assert hl._found_by_find or any(len(s) < 4 for s in stems)
        got = [m.span() for m in hl._matches(fold(body))]
        assert got == _reference(hl, body)


def test_spans_marks_and_snippets_of_a_text():
    gas, energy = analyze("gas energy")
    hl = Highlighter([gas, energy])
    text = "Gas and energy. Energies matter; ungas is not gas-like."
    assert [(text[a:b], stem) for a, b, stem in hl.spans(text)] == [
        ("Gas", gas),
        ("energy", energy),
        ("Energies", energy),
        ("gas", gas),
    ]
    assert hl.mark("Energy gas") == "<mark>Energy</mark> <mark>gas</mark>"
    assert "<mark>Energies</mark>" in hl.snippets(text)[0]
