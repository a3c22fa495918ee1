from recommender.privacy import REDACTED, redact_needs, redact_results

NOTES = "Vive sola. La mamma di 84 anni non riesce più a lavarsi da sola, il figlio lavora a Milano."


def test_evidence_quoted_from_the_notes_is_redacted():
    needs = [
        {"need": "elderly_care", "source": "surfaced", "score": 0.9, "evidence": "La mamma di 84 anni non riesce più a lavarsi da sola"},
        {"need": "childcare", "source": "stated", "score": 1.0, "evidence": "richiesta esplicita (stated_needs)"},
    ]
    out = redact_needs(needs, NOTES)
    assert out[0]["evidence"] == REDACTED
    assert out[1] == needs[1]  # not from the notes: kept
    assert needs[0]["evidence"] != REDACTED  # the input is not modified


def test_explanation_loses_its_quote_of_the_notes_and_keeps_the_rest():
    results = [{"rank": 1, "explanation": "Risponde a: assistenza anziani · a domicilio a Lovere · dalle note: «non riesce più a lavarsi da sola»"}]
    [out] = redact_results(results, NOTES)
    assert out["explanation"] == "Risponde a: assistenza anziani · a domicilio a Lovere"


def test_nothing_to_redact_without_notes():
    needs = [{"need": "housing", "evidence": "ISEE 5.000 €"}]
    assert redact_needs(needs, "") == needs


def test_notes_with_their_own_guillemets_leave_nothing_behind():
    notes = "La madre dice «non ce la faccio più a lavarmi, Mario Rossi non viene» e piange molto."
    results = [{"rank": 1, "explanation": "Risponde a: assistenza anziani · gratuito · dalle note: «dice «non ce la faccio più a lavarmi, Mario Rossi non viene» e piange»"}]
    [out] = redact_results(results, notes)
    assert out["explanation"] == "Risponde a: assistenza anziani · gratuito"


def test_household_evidence_with_ages_and_care_flags_is_not_kept():
    from recommender.privacy import REDACTED_HOUSEHOLD

    needs = [{"need": "elderly_care", "source": "surfaced", "score": 0.85, "evidence": "nucleo: genitore, 84 anni, non autosufficiente"}]
    assert redact_needs(needs, "")[0]["evidence"] == REDACTED_HOUSEHOLD
    assert redact_needs(needs, NOTES)[0]["evidence"] == REDACTED_HOUSEHOLD
    results = [{"rank": 1, "explanation": "Risponde a: assistenza anziani · dalle note: «nucleo: genitore, 84 anni, non autosufficiente»"}]
    assert redact_results(results, "")[0]["explanation"] == "Risponde a: assistenza anziani"
