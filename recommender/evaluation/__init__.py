"""Offline evaluation: judged collections, metrics, the BM25 baseline, rule-based judging."""
