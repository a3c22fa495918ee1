"""Okapi BM25 over lemmatised Italian text (used by the lexical channel and the baseline)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from scipy import sparse

from recommender.features.text import content_lemmas


class BM25:
    """BM25 index; ``fit`` on documents, ``score`` a query against all of them at once."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b

    def fit(self, documents: list[str]) -> BM25:
        docs = [content_lemmas(d) for d in documents]
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, toks in enumerate(docs):
            for term, tf in Counter(toks).items():
                j = vocab.setdefault(term, len(vocab))
                rows.append(i)
                cols.append(j)
                vals.append(tf)
        n = len(docs)
        tf = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float64)
        lengths = np.array([len(t) for t in docs], dtype=np.float64)
        avg = lengths.mean() if n else 0.0
        df = np.bincount(cols, minlength=len(vocab)) if cols else np.zeros(len(vocab))
        self.idf_ = np.log(1 + (n - df + 0.5) / (df + 0.5))
        # Precompute the BM25 term weights per (doc, term) so scoring is a sparse dot.
        tf = tf.tocoo()
        denom = tf.data + self.k1 * (1 - self.b + self.b * lengths[tf.row] / max(avg, 1e-9))
        w = tf.data * (self.k1 + 1) / denom * self.idf_[tf.col]
        self.weights_ = sparse.csc_matrix((w, (tf.row, tf.col)), shape=tf.shape)
        self.vocab_ = vocab
        self.n_docs_ = n
        return self

    def query_vector(self, query: str | list[str]) -> np.ndarray:
        terms = content_lemmas(query) if isinstance(query, str) else query
        q = np.zeros(len(self.vocab_))
        for t in terms:
            j = self.vocab_.get(t)
            if j is not None:
                q[j] = 1.0  # binary query weighting: repeated words in notes are not more relevant
        return q

    def score(self, query: str | list[str]) -> np.ndarray:
        q = self.query_vector(query)
        if not q.any():
            return np.zeros(self.n_docs_)
        return np.asarray(self.weights_ @ q).ravel()
