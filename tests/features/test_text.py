"""Italian text handling: normalisation, tokens, lemmas and sentence splitting of telegraphic notes."""

from __future__ import annotations

from recommender.features.text import content_lemmas, fold_accents, lemma, normalize, normalize_aligned, tokenize


def test_normalize_folds_case_accents_apostrophes_and_spaces() -> None:
    assert normalize("  PERCHÉ   può\tL’ANZIANA ") == "perche puo l'anziana"
    assert normalize("Può") == normalize("puo") == normalize("PUO")
    assert fold_accents("àèéìòù") == "aeeiou"


def test_normalize_aligned_keeps_every_offset() -> None:
    text = "Sig.ra  Müller  è caduta\nieri’"
    out = normalize_aligned(text)
    assert len(out) == len(text)
    assert out.index("caduta") == text.index("caduta")
    assert out == "sig.ra  muller  e caduta ieri'"


def test_tokenize() -> None:
    assert tokenize("L'anziana, 84 anni, è caduta!") == ["l", "anziana", "84", "anni", "e", "caduta"]


def test_lemmas_conflate_gender_and_number() -> None:
    assert lemma("anziano") == lemma("anziani") == lemma("anziane")
    assert lemma("domiciliare") == lemma("domiciliari")


def test_content_lemmas_drop_stopwords_numbers_and_single_letters() -> None:
    lemmas = content_lemmas("Il padre di 84 anni ha l'assistenza domiciliare")
    assert lemma("padre") in lemmas and lemma("assistenza") in lemmas and lemma("domiciliare") in lemmas
    assert not {"il", "di", "84", "ha", "l", "anni"} & set(lemmas)


def test_negations_are_kept_for_the_negation_detector() -> None:
    assert "non" in tokenize("non guida più")
    assert "non" in content_lemmas("non guida più")
