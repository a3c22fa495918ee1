"""The per-intake insight record: what the insights keep of one intake, de-identified at
creation.

A record holds the comune (ISTAT code, with province and region from the gazetteer), the
date, a coarse household type and the age bands of the people, and three sets of need
codes: stated, hidden (surfaced without being stated) and unmet. It never holds the notes,
the intake id, the evidence of a need, the suggested services or an exact age: the
builders below read those from the match and keep none of them, so nothing downstream
(counters, tables, outputs) can publish them by mistake.

**Unmet** follows the ranker: a detected need is unmet when the pipeline found no
eligible, quality-passing service within reach for it. The ranker puts the best service of
every need first (diversification) before it fills the list, so a need with at least one
eligible service always appears in the results when ``top_k`` is at least the number of
needs. A service is suggested for one need but can answer others (the same day centre for
``elderly_care`` and ``caregiver_support``); it was eligible for the intake, so those
needs are met too: ``answers`` maps each service to every need it answers (the pipeline's
service-need affinity > 0). When more needs were detected than ``top_k`` and the list is
full, an unanswered need may have been cut by the list's length rather than be unmet: it
is recorded as *unresolved* and left out of the unmet counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from recommender.errors import InputError, Issue
from recommender.features.people import Person, people_of
from recommender.gazetteer import Comune, Gazetteer, default_gazetteer
from recommender.intake import Intake
from recommender.needs import NEED_BY_CODE, NEED_CODES, sort_needs
from recommender.pipeline import MatchResult

HOUSEHOLD_TYPES: tuple[str, ...] = (
    "persona sola",
    "coppia senza figli",
    "coppia con figli",
    "genitore solo con figli",
    "nucleo con anziani",
    "altro",
    "non noto",
)
HOUSEHOLD_UNKNOWN = "non noto"
AGE_BANDS: tuple[str, ...] = ("0-5", "6-13", "14-17", "18-34", "35-64", "65-79", "80+", "non nota")
AGE_UNKNOWN = "non nota"
_AGE_LIMITS = ((5, "0-5"), (13, "6-13"), (17, "14-17"), (34, "18-34"), (64, "35-64"), (79, "65-79"))
ELDERLY_AGE = 65

# Service id -> the needs the service answers (affinity > 0 in the pipeline's profiles).
ServiceNeeds = Mapping[str, frozenset[str]]


def household_type(people: list[Person], household_given: bool) -> str:
    """The household category (Italian) of the people of an intake.

    Only a structured household tells who belongs together: from the notes the engine
    reads ages (for eligibility), not whether the person lives alone, so without a
    household the type is "non noto". The order of the rules matters: an older relative
    in the picture (a parent, or another member of 65 or more) makes it a "nucleo con
    anziani" whatever else is there, because that is the caregiving situation planners
    look for; an older couple on its own stays a couple (their ages are in the age bands).
    """
    if not household_given or not people:
        return HOUSEHOLD_UNKNOWN
    others = [p for p in people if p.relation != "self"]
    if not others:
        return "persona sola"
    relations = {p.relation for p in others}
    if any(p.relation != "partner" and p.age is not None and p.age >= ELDERLY_AGE for p in others):
        return "nucleo con anziani"
    if relations & {"other", "parent"}:
        return "altro"
    if "partner" in relations:
        return "coppia con figli" if "child" in relations else "coppia senza figli"
    return "genitore solo con figli"


def age_band(age: int) -> str:
    for limit, band in _AGE_LIMITS:
        if age <= limit:
            return band
    return "80+"


def age_bands(people: list[Person]) -> tuple[str, ...]:
    """The distinct age bands of the people whose age is known ("non nota" if none is)."""
    bands = {age_band(p.age) for p in people if p.age is not None}
    return tuple(b for b in AGE_BANDS if b in bands) or (AGE_UNKNOWN,)


@dataclass(frozen=True)
class Profile:
    """The coarse profile of an intake: household type and age bands, nothing else."""

    household_type: str
    age_bands: tuple[str, ...]

    def to_json(self) -> dict:
        return {"household_type": self.household_type, "age_bands": list(self.age_bands)}


UNKNOWN_PROFILE = Profile(HOUSEHOLD_UNKNOWN, (AGE_UNKNOWN,))


def profile_of(intake: Intake) -> Profile:
    """What the store may keep about the people of an intake (data minimisation: the
    category and the bands, never the ages, flags, ISEE or funding)."""
    people = people_of(intake)
    return Profile(household_type(people, intake.household_given), age_bands(people))


def profile_from_json(obj: object) -> Profile:
    """A stored profile; anything missing or not understood reads as unknown (matches
    stored before profiles existed have none)."""
    if not isinstance(obj, dict):
        return UNKNOWN_PROFILE
    htype = obj.get("household_type")
    bands = obj.get("age_bands")
    htype = htype if htype in HOUSEHOLD_TYPES else HOUSEHOLD_UNKNOWN
    if not isinstance(bands, list) or not bands or any(b not in AGE_BANDS for b in bands):
        bands = [AGE_UNKNOWN]
    return Profile(htype, tuple(b for b in AGE_BANDS if b in bands))


@dataclass(frozen=True, slots=True)
class InsightRecord:
    """One intake, de-identified: territory, date, coarse profile and need codes."""

    date: date
    comune_istat: str
    province: str
    region: str
    household_type: str
    age_bands: tuple[str, ...]
    stated: tuple[str, ...]
    hidden: tuple[str, ...]
    unmet: tuple[str, ...]
    unresolved: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.household_type not in HOUSEHOLD_TYPES:
            raise ValueError(f"unknown household type {self.household_type!r}")
        if not self.age_bands or any(b not in AGE_BANDS for b in self.age_bands):
            raise ValueError(f"unknown age bands {self.age_bands!r}")
        for name in ("stated", "hidden", "unmet", "unresolved"):
            codes = getattr(self, name)
            if any(c not in NEED_BY_CODE for c in codes):
                raise ValueError(f"unknown need code in {name}: {codes!r}")
        if set(self.stated) & set(self.hidden):
            raise ValueError("a need is either stated or hidden, not both")
        detected = set(self.stated) | set(self.hidden)
        if not set(self.unmet) <= detected or not set(self.unresolved) <= detected or set(self.unmet) & set(self.unresolved):
            raise ValueError("unmet and unresolved needs must be detected needs, and disjoint")

    @property
    def detected(self) -> tuple[str, ...]:
        return tuple(sort_needs(set(self.stated) | set(self.hidden)))

    @property
    def resolved(self) -> tuple[str, ...]:
        """Detected needs whose unmet status is known."""
        return tuple(n for n in self.detected if n not in self.unresolved)

    def comune(self, gazetteer: Gazetteer | None = None) -> Comune:
        """The comune (name, population, coordinates) from the gazetteer."""
        return (gazetteer or default_gazetteer()).by_code[self.comune_istat]


def service_needs_of(service_ids: list[str], affinity: np.ndarray) -> dict[str, frozenset[str]]:
    """Service id -> the needs it answers, from a fitted pipeline's ``affinity_`` matrix."""
    return {sid: frozenset(NEED_CODES[j] for j in np.flatnonzero(row > 0)) for sid, row in zip(service_ids, affinity)}


def build_record(
    day: date,
    comune_istat: str,
    needs: Iterable[tuple[str, str]],
    suggested: Iterable[tuple[str, str]],
    top_k: int,
    profile: Profile,
    answers: ServiceNeeds,
    gazetteer: Gazetteer | None = None,
) -> InsightRecord:
    """A record from the facts of one match: ``needs`` as (code, source) pairs and
    ``suggested`` as (service id, need) pairs, in rank order. Unknown need codes are
    ignored (a vocabulary change must not stop a report)."""
    comune = (gazetteer or default_gazetteer()).get(comune_istat)
    if comune is None:
        raise InputError(Issue(f"unknown ISTAT code '{comune_istat}'", column="comune_istat"))
    stated: set[str] = set()
    hidden: set[str] = set()
    for code, source in needs:
        if code in NEED_BY_CODE:
            (stated if source == "stated" else hidden).add(code)
    hidden -= stated
    suggested = list(suggested)
    answered: set[str] = set()
    for service_id, need in suggested:
        answered.add(need)
        answered |= answers.get(service_id, frozenset())
    detected = stated | hidden
    missing = detected - answered
    # The list can only have cut a need if it is full and shorter than the needs found.
    truncated = len(suggested) >= top_k and len(detected) > top_k
    return InsightRecord(
        date=day,
        comune_istat=comune.istat_code,
        province=comune.province_abbr,
        region=comune.region_name,
        household_type=profile.household_type,
        age_bands=profile.age_bands,
        stated=tuple(sort_needs(stated)),
        hidden=tuple(sort_needs(hidden)),
        unmet=() if truncated else tuple(sort_needs(missing)),
        unresolved=tuple(sort_needs(missing)) if truncated else (),
    )


def record_from_match(intake: Intake, result: MatchResult | dict, as_of: date, answers: ServiceNeeds, top_k: int) -> InsightRecord:
    """The record of a pipeline match (``MatchResult`` or its JSON) of ``intake``."""
    out = result.to_json() if isinstance(result, MatchResult) else result
    return build_record(
        as_of,
        intake.comune.istat_code,
        ((n["need"], n["source"]) for n in out["needs"]),
        ((r["service_id"], r["need"]) for r in out["results"]),
        top_k,
        profile_of(intake),
        answers,
    )
