"""search.scoring: bitsets, BM25F term scores over postings, combining, boosts.

The pure helpers are checked on small literal inputs; ``TermScores`` on a real
index in tmp_path, where the ranking a reader would see follows from the numbers.
"""

from __future__ import annotations

import math

import pytest

from search import schema
from search.scoring.bitsets import bitset, docnums, ranked_within, scores_within
from search.scoring.bm25f import bm25_idf
from search.scoring.boosts import recency_factor, span_proximity
from search.scoring.postings import (
    EMPTY,
    Scored,
    SegmentCache,
    TermScores,
    intersection,
    restrict,
    union,
)
from search.store.writing import committing_writer, open_or_create

FIELDS = tuple(schema.SEARCH_FIELDS.items())


# --- bitsets ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "docs", [[], [0], [7, 8], [3, 64, 65, 1000]], ids=["none", "zero", "byte", "sparse"]
)
def test_bitset_round_trips_document_numbers(docs):
    bits = bitset(docs, 1001)
    assert docnums(bits) == docs
    assert bits.bit_count() == len(docs)


def test_scores_within_keeps_only_the_documents_of_the_bitset():
    scores = {1: 0.5, 9: 2.0, 300: 1.0, 5000: 3.0}
    allowed = bitset([9, 300], 301)
    assert scores_within(scores, allowed) == {9: 2.0, 300: 1.0}
    assert sorted(ranked_within(scores, allowed)) == [(1.0, 300), (2.0, 9)]
    assert scores_within(scores, 0) == {}


# --- combining ----------------------------------------------------------------------
def _scored(scores: dict[int, float]) -> Scored:
    return Scored(bitset(scores, 64), scores)


def test_union_sums_weighted_scores_and_intersection_keeps_common_documents():
    a = _scored({1: 1.0, 2: 2.0})
    b = _scored({2: 3.0, 5: 1.0})
    either = union([(a, 1.0), (b, 0.5)])
    assert docnums(either.bits) == [1, 2, 5]
    assert either.scores == {1: 1.0, 2: 3.5, 5: 0.5}
    both = intersection([a, b])
    assert docnums(both.bits) == [2]
    assert both.scores == {2: 5.0}
    assert intersection([a, EMPTY]).bits == 0


def test_restrict_drops_documents_outside_the_bits():
    part = _scored({1: 1.0, 2: 2.0, 40: 4.0})
    kept = restrict(part, bitset([2, 40], 64))
    assert kept.scores == {2: 2.0, 40: 4.0}
    assert restrict(part, part.bits) is part
    assert restrict(part, bitset([3], 64)) is EMPTY


# --- BM25F --------------------------------------------------------------------------
def test_idf_is_high_for_rare_and_near_zero_for_ubiquitous_terms():
    assert bm25_idf(1, 1000) > 6.0
    assert bm25_idf(1000, 1000) < 0.001
    assert bm25_idf(10, 1000) > bm25_idf(100, 1000)


def _index(tmp_path, docs):
    ix = open_or_create(tmp_path)
    with committing_writer(ix) as w:
        for doc in docs:
            w.add_document(**schema.to_index_fields(doc))
    return ix


def test_term_scores_rank_a_title_match_above_a_passing_body_mention(tmp_path):
    ix = _index(
        tmp_path,
        [
            {"id": "title", "title": "Pipeline politics", "body": "A short note."},
            {"id": "body", "title": "Other news", "body": "One pipeline, once."},
            {"id": "none", "title": "Unrelated", "body": "Nothing here."},
        ],
    )
    with ix.searcher() as searcher:
        scored = TermScores(searcher, SegmentCache()).term(searcher, FIELDS, "pipelin")
        ids = {d: searcher.stored_fields(d)["id"] for d in scored.scores}
        ranked = [ids[d] for d, _ in sorted(scored.scores.items(), key=lambda x: -x[1])]
    assert ranked == ["title", "body"]
    assert scored.bits.bit_count() == 2


def test_term_scores_saturate_with_repetition(tmp_path):
    ix = _index(
        tmp_path,
        [
            {"id": f"d{n}", "title": "T", "body": ("grain " * n) + "filler " * (20 - n)}
            for n in (1, 2, 10, 20)
        ],
    )
    with ix.searcher() as searcher:
        scored = TermScores(searcher, SegmentCache()).term(searcher, FIELDS, "grain")
        by_id = {searcher.stored_fields(d)["id"]: s for d, s in scored.scores.items()}
    assert by_id["d1"] < by_id["d2"] < by_id["d10"] < by_id["d20"]
    # each repetition adds less than the one before (saturation)
    assert (by_id["d20"] - by_id["d10"]) / 10 < (by_id["d10"] - by_id["d2"]) / 8
    assert (by_id["d10"] - by_id["d2"]) / 8 < by_id["d2"] - by_id["d1"]


# --- boosts ---------------------------------------------------------------------------
def test_span_proximity_counts_neighbouring_query_words():
    spans = [(0, 5, "black"), (6, 9, "sea"), (40, 45, "grain")]
    assert span_proximity(["black", "sea"], spans, 2) == 1.0
    assert span_proximity(["black", "grain"], spans, 2) == 0.0
    assert span_proximity(["black"], spans, 2) == 0.0


def test_recency_factor_halves_its_bonus_every_half_life():
    now = 1_700_000_000.0
    fresh = recency_factor(int(now), now)
    half = recency_factor(int(now - 180 * 86400), now)
    assert fresh == pytest.approx(2.0)
    assert half == pytest.approx(1.5)
    assert recency_factor(None, now) == 1.0
    assert math.isclose(recency_factor(int(now + 86400), now), 2.0)


def test_an_index_split_in_segments_answers_as_one_segment(tmp_path):
    """Scores, typo fixes, suggestions and related posts are the same whether the
    documents sit in several segments (parallel writers, several commits) or in
    one written at once: only the per-segment work is merged. (A segment merged by
    Whoosh differs a little: it recounts the field lengths from their one-byte
    approximations, so the average length, and BM25's scores, shift.)"""
    from service_support import build_index, example_documents

    from search.engine.facade import SearchEngine
    from search.models import SearchRequest

    docs = example_documents()
    split_dir = tmp_path / "split"
    ix = open_or_create(split_dir)
    for part in (docs[::3], docs[1::3], docs[2::3]):  # three commits
        with committing_writer(ix) as w:
            for doc in part:
                w.add_document(**schema.to_index_fields(doc))
    assert len(ix._segments()) == 3
    whole_dir = build_index(tmp_path / "whole", docs)
    assert len(open_or_create(whole_dir)._segments()) == 1

    def answers(index_dir):
        engine = SearchEngine(index_dir, cache_size=0)
        try:
            out = []
            for q in ("energy", "trade grain", '"black sea"', "enegry", "sanction"):
                r = engine.search(SearchRequest(q=q, per_page=50))
                hits = sorted((-round(h.score, 9), h.id) for h in r.hits)
                out.append((r.total, hits, r.did_you_mean))
            out.append([s.text for s in engine.suggest("ene")])
            out.append(sorted(h.id for h in engine.related(docs[0]["id"])))
            return out
        finally:
            engine.close()

    split = answers(split_dir)
    assert answers(whole_dir) == split
    assert split[0][0] > 0 and split[-1]


@pytest.mark.parametrize("seed", range(6))
def test_top_scored_is_nlargest_of_the_pairs(seed):
    import heapq
    import random

    from search.scoring.bitsets import top_scored

    rng = random.Random(seed)
    # few distinct scores: ties everywhere, across the cut too
    scores = {
        d: rng.choice([0.5, 1.0, 1.5, 2.0 + seed]) for d in rng.sample(range(500), 200)
    }
    for n in (1, 5, 20, 199, 200, 300):
        want = heapq.nlargest(n, [(s, d) for d, s in scores.items()])
        assert top_scored(scores, n) == want
