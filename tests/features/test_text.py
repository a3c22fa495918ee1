"""Italian text handling: normalisation, tokens, lemmas and sentence splitting of telegraphic notes."""

from __future__ import annotations

import pytest

from recommender.features.text import content_lemmas, fold_accents, lemma, normalize, normalize_aligned, split_sentences, tokenize


def sentences(text: str) -> list[str]:
    """The sentences, without surrounding blanks or list bullets."""
    return [text[a:b].strip(" -•") for a, b in split_sentences(text)]


def test_abbreviations_and_numbers_do_not_end_a_sentence() -> None:
    text = "Sig. Rossi vive solo. Ha la L.104 dal 2019. ISEE 7.800 euro, chiede aiuto."
    assert sentences(text) == ["Sig. Rossi vive solo.", "Ha la L.104 dal 2019.", "ISEE 7.800 euro, chiede aiuto."]


@pytest.mark.parametrize("kept", ["Sig.", "Sig.ra", "Dott.ssa", "L.104", "7.800", "inv. civ.", "Dip.", "art. 3"])
def test_each_protected_token_stays_inside_one_sentence(kept: str) -> None:
    text = f"Prima frase. Qui c'è {kept} in mezzo alla frase! Ultima frase."
    got = sentences(text)
    assert len(got) == 3
    assert kept in got[1]


def test_semicolons_bullets_and_newlines_split_telegraphic_notes() -> None:
    text = "Madre 84 anni; vive sola\n- non guida più\n• cade spesso? chiede aiuto: subito"
    assert sentences(text) == ["Madre 84 anni;", "vive sola", "non guida più", "cade spesso?", "chiede aiuto:", "subito"]


def test_numbered_items_split() -> None:
    assert sentences("Chiede: 1) un nido 2) un centro estivo") == ["Chiede:", "1) un nido", "2) un centro estivo"]


def test_spans_point_into_the_original_text() -> None:
    text = "  Sig.ra Bianchi, 45 aa;  il figlio ha l'inv. civ. al 100%!  Dott.ssa Verdi segue il caso.  "
    spans = split_sentences(text)
    assert [text[a:b].strip() for a, b in spans] == ["Sig.ra Bianchi, 45 aa;", "il figlio ha l'inv. civ. al 100%!", "Dott.ssa Verdi segue il caso."]
    assert all(0 <= a < b <= len(text) for a, b in spans)


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_empty_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


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
