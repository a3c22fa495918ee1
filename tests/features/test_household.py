"""Needs implied by the structured fields (household, ISEE): priors, never proof."""

from __future__ import annotations

import pytest

from recommender.features.household import Signal, household_signals
from recommender.features.people import Person


def weights(signals: list[Signal]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in signals:
        out[s.need] = max(out.get(s.need, 0.0), s.weight)
    return out


def test_non_self_sufficient_elder_implies_elderly_care_and_a_carer() -> None:
    people = [Person("self", 52), Person("parent", 86, non_self_sufficient=True)]
    with_notes = weights(household_signals(people, None, notes_empty=False, from_household=True))
    assert with_notes == {"elderly_care": 0.85, "caregiver_support": 0.4}
    without_notes = weights(household_signals(people, None, notes_empty=True, from_household=True))
    assert without_notes["caregiver_support"] == 0.7  # with nothing else to go on the prior is stronger


def test_disabled_child_implies_disability() -> None:
    signals = household_signals([Person("self", 40), Person("child", 9, disability=True)], None, notes_empty=False, from_household=True)
    assert weights(signals)["disability"] == 0.75
    assert any("con disabilità" in s.evidence for s in signals)


def test_young_child_is_only_a_weak_childcare_prior() -> None:
    w = weights(household_signals([Person("self", 30), Person("child", 1)], None, notes_empty=False, from_household=True))
    assert 0 < w["childcare"] < 0.5  # below the surfacing threshold on its own


def test_people_read_from_notes_give_no_household_prior() -> None:
    assert household_signals([Person("self", 86, non_self_sufficient=True, from_notes=True)], None, notes_empty=False, from_household=False) == []


@pytest.mark.parametrize(("isee", "weight", "shown"), [(4300, 0.7, "ISEE 4.300 €"), (6000, 0.7, "ISEE 6.000 €"), (9500, 0.35, "ISEE 9.500 €"), (15000, None, None), (None, None, None)])
def test_isee_prior(isee: float | None, weight: float | None, shown: str | None) -> None:
    signals = [s for s in household_signals([], isee, notes_empty=False, from_household=False) if s.need == "income_support"]
    assert (signals[0].weight if signals else None) == weight
    if shown:
        assert signals[0].evidence == shown
