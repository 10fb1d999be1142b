"""Reproducible speed, scale and ranking-quality benchmarks of analysis-search."""
