"""The math of ranking: postings in memory, BM25F, candidate collection, boosts and
bitsets. Pure Python over the store layer; no query syntax, no HTTP."""
