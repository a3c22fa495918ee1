"""What the results and referral pages make of a match: evidence marked in the notes, the
suggestions a manager proposed, the practical points for the citizen."""

from __future__ import annotations

from datetime import UTC, date, datetime

from api.web import presenters
from recommender.catalogue import parse_catalogue
from recommender.gazetteer import default_gazetteer
from recommender.privacy import REDACTED
from recommender.store.matches import StoredFeedback, StoredMatch
from tests.helpers import catalogue_csv

NOTES = "Vive sola. La mamma di 84 anni non riesce più a lavarsi da sola e io sono allo stremo."


def chip(code: str, evidence: str, source: str = "surfaced") -> dict:
    return {"need": code, "source": source, "score": 0.9, "evidence": evidence}


def test_evidence_is_found_whatever_the_case_and_overlaps_are_merged() -> None:
    needs = presenters.chips([
        chip("elderly_care", "la mamma di 84 anni non riesce più a lavarsi da sola"),
        chip("caregiver_support", "non riesce più a lavarsi da sola e io sono allo stremo"),
        chip("housing", "richiesta esplicita (stated_needs)", "stated"),
    ], NOTES)
    assert [c.evidence_in_notes for c in needs] == [True, True, False]
    segments = presenters.mark_evidence(NOTES, needs)
    assert "".join(s.text for s in segments) == NOTES  # nothing lost or repeated
    marked = [s for s in segments if s.needs]
    assert len(marked) == 1 and marked[0].needs == ["elderly_care", "caregiver_support"]
    assert marked[0].text == "La mamma di 84 anni non riesce più a lavarsi da sola e io sono allo stremo"  # as written, capital L
    assert marked[0].labels == "assistenza anziani, sostegno ai caregiver"


def test_redacted_evidence_is_recognised_and_never_marked() -> None:
    needs = presenters.chips([chip("elderly_care", REDACTED)], None)
    assert needs[0].evidence_redacted and not needs[0].evidence_in_notes
    assert presenters.mark_evidence("", needs) == []


def _match(feedback: list[tuple[str, str]]) -> StoredMatch:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return StoredMatch(
        "m", "t", "ref", "016218", 1, date(2026, 11, 30), 3, [], [], None, None, at,
        [StoredFeedback(i, sid, 1, "childcare", outcome, None, None, at) for i, (sid, outcome) in enumerate(feedback)],
    )


RESULTS = [
    {"rank": 1, "service_id": "A", "name": "A", "need": "childcare", "score": 0.9, "distance_km": 0.0, "explanation": ""},
    {"rank": 2, "service_id": "B", "name": "B", "need": "childcare", "score": 0.8, "distance_km": 3.2, "explanation": ""},
    {"rank": 3, "service_id": "C", "name": "C", "need": "childcare", "score": 0.7, "distance_km": 5.0, "explanation": ""},
]


def test_the_referral_lists_what_the_manager_proposed_by_the_latest_word() -> None:
    cards = presenters.cards(_match([("A", "accepted"), ("A", "rejected"), ("B", "contacted"), ("C", "rejected")]), RESULTS, None, None, None)
    chosen, accepted = presenters.referral_cards(cards)
    assert accepted and [c.service_id for c in chosen] == ["B"]  # A was accepted, then rejected
    none_yet = presenters.cards(_match([("C", "rejected")]), RESULTS, None, None, None)
    chosen, accepted = presenters.referral_cards(none_yet)
    assert not accepted and [c.service_id for c in chosen] == ["A", "B"]  # all suggested but the rejected one


def test_service_facts_and_what_to_bring() -> None:
    catalogue = parse_catalogue(catalogue_csv([
        {"service_id": "NIDO", "name": "Nido", "needs": "childcare", "age_min": "0", "age_max": "3", "isee_max": "15000",
         "funding": "company_welfare;private", "price_eur": "420", "requires_disability_certification": "true"},
    ]))
    trescore = default_gazetteer().get("016218")
    intake = {"isee": 12000.0, "funding": ["private"]}
    [card] = presenters.cards(_match([]), [{**RESULTS[0], "service_id": "NIDO"}], catalogue, trescore, intake)
    assert card.distance == "nel comune di Trescore Balneario"
    assert card.eligibility == [
        "età: fino a 3 anni", "ISEE fino a 15.000 € (ISEE della persona: 12.000 €, rientra)",
        "serve la certificazione di disabilità (L. 104/1992) o l'invalidità civile",
    ]
    assert card.funding == ["credito welfare aziendale (non indicato nella scheda)", "pagamento di tasca propria (la persona può usarlo)"]
    bring = presenters.what_to_bring(card, intake)
    assert any("attestazione ISEE" in line for line in bring)
    assert any("invalidità civile" in line for line in bring)
    assert not any("welfare aziendale" in line for line in bring)  # the person cannot use it
    assert any("420 €" in line for line in bring)
