"""BM25 over lemmatised Italian: hand-computed weights, binary queries, no match gives zeros."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from recommender.features.text import content_lemmas
from recommender.models.bm25 import BM25

DOCS = [
    "Asilo nido comunale per bambini da 3 mesi a 3 anni.",
    "Assistenza domiciliare anziani: igiene personale e pasti a domicilio.",
    "Centro estivo per bambini e ragazzi, con gite e piscina.",
    "Trasporto sociale per anziani verso visite mediche e ospedale.",
]


def reference_bm25(docs: list[str], query: str, k1: float = 1.2, b: float = 0.75) -> list[float]:
    """Textbook Okapi BM25 (idf = ln(1 + (N - df + .5) / (df + .5)), binary query terms)."""
    toks = [content_lemmas(d) for d in docs]
    n, avg = len(toks), sum(len(t) for t in toks) / len(toks)
    terms = set(content_lemmas(query))
    out = []
    for t in toks:
        tf = Counter(t)
        s = 0.0
        for term in terms:
            df = sum(term in d for d in toks)
            if df == 0 or tf[term] == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(t) / avg))
        out.append(s)
    return out


def test_two_one_word_documents_by_hand() -> None:
    bm25 = BM25().fit(["xyz", "qwe"])
    # df = 1, N = 2: idf = ln(1 + 1.5 / 1.5) = ln 2; tf = 1 and |d| = avgdl, so the tf part is 1
    assert bm25.score("xyz") == pytest.approx([math.log(2), 0.0])
    assert bm25.score("qwe xyz") == pytest.approx([math.log(2), math.log(2)])


@pytest.mark.parametrize("query", ["nido per bambini", "anziani a domicilio", "trasporto alle visite", "bambini anziani estate piscina"])
def test_scores_match_the_textbook_formula(query: str) -> None:
    bm25 = BM25().fit(DOCS)
    assert bm25.score(query) == pytest.approx(reference_bm25(DOCS, query))


def test_relevant_document_ranks_first() -> None:
    bm25 = BM25().fit(DOCS)
    assert int(np.argmax(bm25.score("cerco un asilo nido"))) == 0
    assert int(np.argmax(bm25.score("assistenza domiciliare per la madre anziana"))) == 1
    assert int(np.argmax(bm25.score("trasporto sociale"))) == 3


def test_inflected_forms_match_through_lemmas() -> None:
    bm25 = BM25().fit(DOCS)
    assert bm25.score("anziana")[1] > 0 and bm25.score("anziano")[3] > 0


def test_query_terms_are_binary() -> None:
    bm25 = BM25().fit(DOCS)
    assert bm25.score("nido nido nido") == pytest.approx(bm25.score("nido"))


def test_rarer_terms_weigh_more() -> None:
    bm25 = BM25().fit(DOCS)
    assert bm25.score("piscina")[2] > bm25.score("bambini")[2]


@pytest.mark.parametrize("query", ["", "il la di per", "zzzz qqqq", "2026"])
def test_no_known_term_scores_zero_everywhere(query: str) -> None:
    bm25 = BM25().fit(DOCS)
    scores = bm25.score(query)
    assert scores.shape == (len(DOCS),)
    assert not scores.any()


def test_lemma_list_queries_are_accepted() -> None:
    bm25 = BM25().fit(DOCS)
    assert bm25.score(content_lemmas("asilo nido")) == pytest.approx(bm25.score("asilo nido"))


def test_scores_are_non_negative() -> None:
    bm25 = BM25().fit(DOCS)
    scores = bm25.score(" ".join(DOCS))
    assert (scores >= 0).all()
    assert bm25.n_docs_ == len(DOCS)
    assert bm25.idf_.shape == (len(bm25.vocab_),)


def test_empty_document_is_harmless() -> None:
    bm25 = BM25().fit(["", "asilo nido"])
    assert bm25.score("nido")[0] == 0 and bm25.score("nido")[1] > 0
