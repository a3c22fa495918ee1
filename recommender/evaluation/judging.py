"""Rule-based relevance judging, as described in the eval-sample README.

Used to grade the bundled development collection from its labels: grades 3/2/1 from
preferred subtypes and main/secondary needs, forbidden pairs from quality, reach and
eligibility. Hand adjustments by an assessor are out of scope here.

Reach and eligibility are written again here on purpose instead of calling
``recommender.eligibility``: the judge must not share code with the engine it grades, or
a bug in the engine's filters would also hide its own violations.
"""

from __future__ import annotations

from datetime import date

from recommender.catalogue import Catalogue, Service
from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.geo import haversine_km
from recommender.intake import parse_intake
from recommender.quality import DEFAULT_POLICY, QualityPolicy


def _fits(person: dict, svc: Service) -> bool:
    age = person.get("age")
    if age is not None:
        if svc.age_min is not None and age < svc.age_min:
            return False
        if svc.age_max is not None and age > svc.age_max:
            return False
    if svc.requires_disability_certification and not person.get("disability_certified", False):
        return False
    return True


def judge(
    catalogue: Catalogue,
    intakes: list[dict],
    labels: dict[str, dict],
    service_truth: dict[str, dict],
    as_of: date,
    policy: QualityPolicy = DEFAULT_POLICY,
    gazetteer: Gazetteer | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, str]]]:
    """Return (qrels, forbidden) for every intake against every service."""
    gaz = gazetteer or default_gazetteer()
    qrels: dict[str, dict[str, int]] = {}
    forbidden: dict[str, dict[str, str]] = {}
    for raw in intakes:
        intake = parse_intake(raw, gaz)
        lab = labels[intake.id]
        true_needs = set(lab["true_needs"])
        bens = lab["beneficiaries"]
        certified = {(b["relation"], b["age"]): b.get("disability_certified", False) for b in bens}
        if raw.get("household"):
            persons = [{"age": m["age"], "disability_certified": certified.get((m["relation"], m["age"]), False)} for m in raw["household"]]
        else:
            persons = bens
        preferred = set(lab.get("preferred_subtypes", []))
        q: dict[str, int] = {}
        f: dict[str, str] = {}
        for svc in catalogue.services:
            truth = service_truth[svc.service_id]
            s_needs = truth["true_needs"]
            if not policy.passes(svc, as_of):
                f[svc.service_id] = "quality_failed"
                continue
            if svc.delivery == "on_site":
                reachable = haversine_km(intake.comune.lat, intake.comune.lon, svc.lat, svc.lon) <= intake.max_distance_km
            else:
                reachable = intake.comune.istat_code in (svc.service_area or {svc.comune_istat})
            if not reachable:
                f[svc.service_id] = "out_of_range"
                continue
            case_ok = True
            if intake.isee is not None and svc.isee_max is not None and intake.isee > svc.isee_max:
                case_ok = False
            if intake.funding is not None and "free" not in svc.funding and not (svc.funding & intake.funding):
                case_ok = False
            shared = [n for n in s_needs if n in true_needs]
            if shared and (not case_ok or not any(_fits(p, svc) for p in persons)):
                f[svc.service_id] = "ineligible"
                continue
            if not case_ok or not shared:
                continue
            eligible = [n for n in shared if any(n in b["needs"] and _fits(b, svc) for b in bens)]
            if not eligible:
                continue
            if truth["subtype"] in preferred:
                grade = 3
            elif s_needs[0] in eligible:
                grade = 2
            else:
                grade = 1
            q[svc.service_id] = grade
        qrels[intake.id] = q
        forbidden[intake.id] = f
    return qrels, forbidden
