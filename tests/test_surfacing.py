"""Need surfacing: stated needs, hidden needs with readable evidence, negation."""

from __future__ import annotations

from recommender.features.people import people_of
from recommender.intake import parse_intake
from recommender.surfacing import NeedSurfacer, SurfacingConfig


def surface(obj: dict) -> dict[str, tuple[str, float, str]]:
    intake = parse_intake({"id": "t", "comune": "016218", **obj})
    surfacer = NeedSurfacer(SurfacingConfig(use_dense=False)).fit()
    return {n.need: (n.source, n.score, n.evidence) for n in surfacer.surface(intake, people_of(intake))}


def test_hidden_needs_come_with_the_phrase_that_revealed_them() -> None:
    needs = surface({
        "notes": "Dip. 44 aa. Madre 81 aa con demenza. Chiede un'assistenza domiciliare. Riferisce di 'non dormire più' e di aver usato tutte le ferie per accompagnarla alle visite.",
        "stated_needs": ["elderly_care"],
        "household": [{"relation": "self", "age": 44}, {"relation": "parent", "age": 81, "non_self_sufficient": True}],
    })
    assert needs["elderly_care"][0] == "stated"
    source, score, evidence = needs["caregiver_support"]
    assert source == "surfaced" and 0.6 <= score <= 1.0
    assert evidence == "Riferisce di 'non dormire più'"  # the quotation is closed, not cut
    assert needs["mobility"][0] == "surfaced"


def test_elided_articles_do_not_stretch_the_evidence() -> None:
    needs = surface({"notes": "Chiede un'assistenza domiciliare per la madre anziana non autosufficiente. Poi parla d'altro.", "stated_needs": []})
    assert needs["elderly_care"][2].startswith("Chiede un'assistenza domiciliare")
    assert "Poi" not in needs["elderly_care"][2]


def test_abbreviations_do_not_cut_the_evidence() -> None:
    needs = surface({
        "notes": "Il figlio di 9 anni ha un disturbo dello spettro autistico con certificazione L.104 art. 3 c.3 rilasciata a maggio.",
        "household": [{"relation": "self", "age": 40}, {"relation": "child", "age": 9, "disability": True}],
    })
    assert "art. 3 c.3" in needs["disability"][2]


def test_a_need_already_covered_is_not_surfaced() -> None:
    needs = surface({"notes": "Per la bimba è a posto: è inserita al nido comunale e si trova bene. Chiede un aiuto per le bollette arretrate."})
    assert "childcare" not in needs
    assert "income_support" in needs


def test_without_notes_the_household_speaks() -> None:
    needs = surface({
        "notes": "",
        "stated_needs": ["elderly_care"],
        "household": [{"relation": "self", "age": 80}, {"relation": "partner", "age": 83, "non_self_sufficient": True}],
    })
    assert needs["caregiver_support"][0] == "surfaced"
    assert needs["caregiver_support"][2].startswith("nucleo:")


def test_hidden_surfacing_can_be_switched_off_for_ablations() -> None:
    intake = parse_intake({"id": "t", "comune": "016218", "notes": "Ha lo sfratto esecutivo e non ce la fa a pagare le bollette.", "stated_needs": ["employment"]})
    surfacer = NeedSurfacer(SurfacingConfig(use_dense=False, surface_hidden=False)).fit()
    assert [n.need for n in surfacer.surface(intake, people_of(intake))] == ["employment"]
