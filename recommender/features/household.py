"""Needs implied by the structured fields: household composition and ISEE.

These are priors, not proof: an 86-year-old non-self-sufficient parent makes elderly
care very likely, a child of 4 makes childcare only plausible. Weights are deliberately
below the surfacing threshold where the structured field alone is weak evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from recommender.features.people import Person

# Evidence drawn from the structured household starts with this: privacy.redact_needs
# recognises it (ages and care flags are stored only when the tenant keeps notes).
HOUSEHOLD_EVIDENCE = "nucleo: "
RELATION_IT = {"self": "persona", "child": "figlio/a", "partner": "partner", "parent": "genitore", "other": "familiare"}


@dataclass(frozen=True)
class Signal:
    need: str
    weight: float
    evidence: str


def _who(p: Person) -> str:
    age = f", {p.age} anni" if p.age is not None else ""
    return f"{RELATION_IT.get(p.relation, p.relation)}{age}"


def household_signals(people: list[Person], isee: float | None, notes_empty: bool, from_household: bool) -> list[Signal]:
    out: list[Signal] = []
    if from_household:
        adults = [p for p in people if p.age is None or p.age >= 18]
        for p in people:
            age = p.age if p.age is not None else 40
            if p.non_self_sufficient and age >= 65:
                out.append(Signal("elderly_care", 0.85, f"{HOUSEHOLD_EVIDENCE}{_who(p)}, non autosufficiente"))
                carers = [a for a in adults if a is not p and not a.non_self_sufficient]
                if carers:
                    out.append(Signal("caregiver_support", 0.7 if notes_empty else 0.4, f"{HOUSEHOLD_EVIDENCE}assiste {_who(p)} non autosufficiente"))
            elif p.non_self_sufficient and any(a is not p for a in adults):
                out.append(Signal("caregiver_support", 0.6 if notes_empty else 0.35, f"{HOUSEHOLD_EVIDENCE}assiste {_who(p)} non autosufficiente"))
            # one person is one piece of evidence: the strongest of their flags counts
            disability = 0.0
            if p.non_self_sufficient and age < 65:
                disability = 0.55
            if p.disability and age < 65:
                disability = max(disability, (0.75 if age < 18 else 0.3) + (0.15 if notes_empty else 0.0))
            if disability:
                flags = ", ".join(f for f, on in (("con disabilità", p.disability), ("non autosufficiente", p.non_self_sufficient)) if on)
                out.append(Signal("disability", disability, f"{HOUSEHOLD_EVIDENCE}{_who(p)}, {flags}"))
            if p.relation == "self" and age >= 80 and len(people) == 1 and not p.non_self_sufficient:
                out.append(Signal("elderly_care", 0.4, f"{HOUSEHOLD_EVIDENCE}{_who(p)}, vive sola/o"))
            if p.relation == "child" and age <= 14:
                out.append(Signal("childcare", 0.3 if age <= 2 else 0.2, f"{HOUSEHOLD_EVIDENCE}{_who(p)}"))
    if isee is not None:
        isee_it = f"{isee:,.0f}".replace(",", ".")
        if isee <= 6000:
            out.append(Signal("income_support", 0.7, f"ISEE {isee_it} €"))
        elif isee <= 10000:
            out.append(Signal("income_support", 0.35, f"ISEE {isee_it} €"))
    return out
