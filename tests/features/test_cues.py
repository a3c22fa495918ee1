"""Lexical need cues: negation, "already met" and self-negating phrases, scoped to the clause."""

from __future__ import annotations

from typing import Any

import pytest

from recommender.features.cues import Context, absent_needs, clause_bounds, find_cues
from recommender.features.people import people_of
from recommender.features.text import normalize_aligned
from recommender.surfacing import NeedSurfacer, SurfacingConfig, intake_context
from tests.helpers import make_intake

ANYONE = Context(elderly=True, child=True, dependent=True, disabled=True)
NOBODY = Context(elderly=False, child=False, dependent=False, disabled=False)


@pytest.fixture(scope="module")
def surfacer() -> NeedSurfacer:
    return NeedSurfacer(SurfacingConfig()).fit()


def surfaced(surfacer: NeedSurfacer, notes: str, **fields: Any) -> dict[str, str]:
    """need -> source for the needs found in an intake."""
    intake = make_intake(notes=notes, **fields)
    return {n.need: n.source for n in surfacer.surface(intake, people_of(intake))}


def statuses(notes: str, need: str, context: Context = ANYONE) -> set[str]:
    return {h.status for h in find_cues(notes, context) if h.need == need}


# --- the three behaviours the welfare managers asked for --------------------------------------


@pytest.mark.parametrize(
    "notes",
    [
        "Il nido ce l'abbiamo già.",
        "Sig.ra 35 aa, due figli di 1 e 4 anni. Il nido ce l'abbiamo già, cerca lavoro.",
        "Per la bimba il nido c'è già, chiede un aiuto per le bollette.",
    ],
)
def test_childcare_already_covered_is_not_surfaced(surfacer: NeedSurfacer, notes: str) -> None:
    household = [{"relation": "self", "age": 35}, {"relation": "child", "age": 1}]
    assert "childcare" not in surfaced(surfacer, notes, household=household)


@pytest.mark.parametrize(
    "notes",
    [
        "Non ha problemi economici.",
        "Sig. 70 aa, vive con la moglie. Non ha problemi economici ma la moglie ha l'Alzheimer e lui è esausto.",
        "Vedova, 79 anni: non ha problemi economici, però non esce più di casa.",
    ],
)
def test_denied_money_problems_do_not_surface_income_support(surfacer: NeedSurfacer, notes: str) -> None:
    assert "income_support" not in surfaced(surfacer, notes)


@pytest.mark.parametrize(
    "notes",
    [
        "Non guida più.",
        "Sig. 82 aa. Non guida più e deve andare alle visite in ospedale a Seriate.",
        "La madre, 84 anni, non guida più e vive sola.",
    ],
)
def test_non_guida_piu_surfaces_mobility(surfacer: NeedSurfacer, notes: str) -> None:
    assert surfaced(surfacer, notes).get("mobility") == "surfaced"


# --- positive controls: the same cues without negation do count ---------------------------------


def test_positive_controls(surfacer: NeedSurfacer) -> None:
    household = [{"relation": "self", "age": 35}, {"relation": "child", "age": 1}]
    assert "childcare" in surfaced(surfacer, "Cerca un nido per la bimba.", household=household)
    assert "income_support" in surfaced(surfacer, "Ha gravi problemi economici.")
    assert "mobility" not in surfaced(surfacer, "Guida ancora la sua utilitaria per il mercato.")


def test_negation_does_not_cross_a_clause_break(surfacer: NeedSurfacer) -> None:
    found = surfaced(surfacer, "Non ha problemi di salute, ma ha problemi economici seri.")
    assert "income_support" in found


def test_stated_need_stays_stated_even_if_the_notes_deny_it(surfacer: NeedSurfacer) -> None:
    assert surfaced(surfacer, "Non ha problemi economici.", stated_needs=["income_support"]) == {"income_support": "stated"}


def test_hidden_needs_can_be_switched_off() -> None:
    off = NeedSurfacer(SurfacingConfig(surface_hidden=False)).fit()
    intake = make_intake(notes="Non guida più. Cerca lavoro.", stated_needs=["employment"])
    assert [n.need for n in off.surface(intake, people_of(intake))] == ["employment"]


# --- cue statuses -------------------------------------------------------------------------------


def test_cue_statuses() -> None:
    assert statuses("cerca un nido", "childcare") == {"positive"}
    assert statuses("il nido ce l'abbiamo già", "childcare") == {"met"}
    assert statuses("non ha difficoltà economiche", "income_support") == {"negated"}
    assert statuses("non guida più", "mobility") == {"positive"}  # self-negating cue


def test_cue_needing_a_context_is_out_of_context_without_it() -> None:
    assert statuses("serve una badante", "elderly_care", NOBODY) == {"out_of_context"}
    assert statuses("serve una badante", "elderly_care", ANYONE) == {"positive"}


def test_hits_point_at_the_phrase_in_the_original_notes() -> None:
    notes = "Sig.ra Müller: ha perso il lavoro e cerca un'occupazione."
    hits = [h for h in find_cues(notes, ANYONE) if h.need == "employment"]
    assert hits
    assert any("lavoro" in notes[h.start:h.end] or "occupazione" in notes[h.start:h.end] for h in hits)


def test_clause_bounds_stop_at_commas_and_ma() -> None:
    text = normalize_aligned("Non ha problemi di salute, ma ha problemi economici.")
    start = text.index("problemi economici")
    left, right = clause_bounds(text, start, start + len("problemi economici"))
    assert text[left:right].strip() == "ha problemi economici"


def test_absent_needs_are_detected_on_the_whole_note() -> None:
    absent = absent_needs("Guida ancora. Economicamente sta bene. La casa è di proprietà.")
    assert {"mobility", "income_support", "housing"} <= set(absent)
    assert absent_needs("Cerca un nido.") == {}


def test_intake_context_from_household_and_notes() -> None:
    elderly = make_intake(notes="", household=[{"relation": "self", "age": 80}])
    ctx = intake_context(elderly, people_of(elderly))
    assert ctx.elderly and ctx.elderly_only and ctx.dependent and not ctx.child
    child = make_intake(notes="Il figlio è autistico.", household=[{"relation": "self", "age": 40}, {"relation": "child", "age": 9}])
    ctx = intake_context(child, people_of(child))
    assert ctx.child and ctx.disabled and not ctx.elderly
