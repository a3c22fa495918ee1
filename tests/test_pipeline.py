"""The matching pipeline end to end: contract shape, hard filters before top-k, diversification."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pytest

from recommender.catalogue import Catalogue
from recommender.eligibility import person_fit
from recommender.evaluation.collection import Collection
from recommender.evaluation.report import load_intakes
from recommender.features.people import people_of
from recommender.geo import haversine_km
from recommender.intake import Intake
from recommender.needs import NEED_CODES, NEED_ORDER
from recommender.pipeline import MatchPipeline, MatchResult, PipelineConfig
from recommender.ranking import apply_filters
from tests.helpers import NEED_KEYS, REFERENCE_DATE, RESULT_KEYS, TRESCORE, make_intake, result_ids

TODDLER = [{"relation": "self", "age": 32}, {"relation": "child", "age": 1}]
NIDO_NOTES = "Sig.ra 32 aa, figlia di 1 anno. Rientra al lavoro a gennaio e cerca un asilo nido, anche un micronido."


def check_contract(out: dict[str, Any], top_k: int = 10) -> None:
    """The shape a platform relies on, for one output line."""
    assert set(out) == {"id", "needs", "results"}
    json.dumps(out, ensure_ascii=False)  # serialisable as one JSONL line
    for n in out["needs"]:
        assert set(n) == NEED_KEYS
        assert n["need"] in NEED_CODES
        assert n["source"] in ("stated", "surfaced")
        assert isinstance(n["score"], float) and 0.0 <= n["score"] <= 1.0
        assert isinstance(n["evidence"], str)
    assert len({n["need"] for n in out["needs"]}) == len(out["needs"])
    assert len(out["results"]) <= top_k
    assert [r["rank"] for r in out["results"]] == list(range(1, len(out["results"]) + 1))
    assert len(set(result_ids(out))) == len(out["results"])
    for r in out["results"]:
        assert set(r) == RESULT_KEYS
        assert isinstance(r["service_id"], str) and r["service_id"]
        assert isinstance(r["name"], str) and r["name"]
        assert isinstance(r["score"], float) and 0.0 <= r["score"] <= 1.0
        assert isinstance(r["distance_km"], float) and r["distance_km"] >= 0
        assert r["distance_km"] == round(r["distance_km"], 2)
        assert r["explanation"].startswith("Risponde a: ")
        if out["needs"]:
            assert r["need"] in NEED_CODES


@pytest.fixture(scope="module")
def fixture_intakes(fixture_catalogue: Catalogue, fixture_collection: Collection) -> list[Intake]:
    return load_intakes(fixture_collection, fixture_catalogue.provinces())


@pytest.fixture(scope="module")
def fixture_outputs(fixture_pipeline: MatchPipeline, fixture_intakes: list[Intake]) -> list[tuple[Intake, dict[str, Any]]]:
    return [(i, r.to_json()) for i, r in zip(fixture_intakes, fixture_pipeline.match_many(fixture_intakes, as_of=REFERENCE_DATE))]


def match(pipe: MatchPipeline, top_k: int | None = None, **fields: Any) -> dict[str, Any]:
    return pipe.match(make_intake(**fields), as_of=REFERENCE_DATE, top_k=top_k).to_json()


# --- contract -----------------------------------------------------------------------------


def test_small_catalogue_output_has_the_contract_shape(small_pipeline: MatchPipeline) -> None:
    out = match(small_pipeline, notes=NIDO_NOTES, household=TODDLER)
    check_contract(out)
    assert out["id"] == "T1"
    assert result_ids(out)[0] == "NIDO-TRESCORE"
    first = out["results"][0]
    assert first["need"] == "childcare" and first["distance_km"] == 0.0
    assert out["needs"][0]["need"] == "childcare" and out["needs"][0]["source"] == "surfaced"
    assert "nido" in out["needs"][0]["evidence"].lower()


def test_every_fixture_output_has_the_contract_shape(fixture_outputs: list[tuple[Intake, dict[str, Any]]]) -> None:
    assert len(fixture_outputs) == 122
    for intake, out in fixture_outputs:
        assert out["id"] == intake.id
        check_contract(out)
        assert out["results"], f"{intake.id}: no suggestion at all"


def test_stated_needs_come_first_with_full_score(fixture_outputs: list[tuple[Intake, dict[str, Any]]]) -> None:
    for intake, out in fixture_outputs:
        stated = [n for n in out["needs"] if n["source"] == "stated"]
        assert {n["need"] for n in stated} == set(intake.stated_needs)
        assert all(n["score"] == 1.0 for n in stated)
        assert out["needs"][: len(stated)] == stated
        assert all(n["score"] < 1.0 and n["evidence"] for n in out["needs"][len(stated):])


def test_explanations_state_the_facts_used(small_pipeline: MatchPipeline) -> None:
    out = match(small_pipeline, notes=NIDO_NOTES, household=TODDLER)
    nido = out["results"][0]["explanation"]
    assert "Risponde a: cura dei figli" in nido
    assert "0,0 km" in nido  # distance
    assert "accreditato" in nido and "carta etica" in nido and "verificato 09/2026" in nido  # quality
    assert "voucher comunale" in nido  # funding
    assert "dalle note: «" in nido  # evidence


# --- hard filters before top-k --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "never"),
    [
        ({}, {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE"}),
        ({"isee": 9000}, {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE", "NIDO-ISEE"}),
        ({"funding": ["municipal_voucher"]}, {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE", "NIDO-AZIENDALE"}),
        ({"funding": ["company_welfare"], "max_distance_km": 5}, {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE", "NIDO-TRESCORE", "NIDO-ISEE", "NIDO-AZIENDALE"}),
    ],
)
@pytest.mark.parametrize("top_k", [1, 3, 10])
def test_filtered_services_never_appear_even_as_best_text_match(small_pipeline: MatchPipeline, fields: dict[str, Any], never: set[str], top_k: int) -> None:
    scores = small_pipeline.bm25_.score(NIDO_NOTES)
    best = small_pipeline.catalogue_.services[int(scores.argmax())].service_id
    assert best in {"NIDO-BADQ", "NIDO-LOVERE"}, "the strongest text match must be a filtered-out service"
    out = match(small_pipeline, top_k=top_k, notes=NIDO_NOTES, household=TODDLER, **fields)
    check_contract(out, top_k)
    assert never.isdisjoint(result_ids(out))


def test_top_1_still_returns_the_best_eligible_service(small_pipeline: MatchPipeline) -> None:
    assert result_ids(match(small_pipeline, top_k=1, notes=NIDO_NOTES, household=TODDLER, isee=7000, funding=["free"])) == ["NIDO-ISEE"]


def test_a_wider_radius_lets_the_far_service_in(small_pipeline: MatchPipeline) -> None:
    assert "NIDO-LOVERE" in result_ids(match(small_pipeline, notes=NIDO_NOTES, household=TODDLER, max_distance_km=25))


def test_quality_is_judged_at_the_reference_date(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(notes=NIDO_NOTES, household=TODDLER, max_distance_km=10)
    in_2026 = result_ids(small_pipeline.match(intake, as_of=REFERENCE_DATE).to_json())
    assert "NIDO-OLD" not in in_2026 and "NIDO-TRESCORE" in in_2026
    in_2025 = result_ids(small_pipeline.match(intake, as_of=date(2026, 1, 15)).to_json())
    assert "NIDO-OLD" in in_2025  # verified 2025-11-21, still valid in January 2026
    in_2028 = small_pipeline.match(intake, as_of=date(2028, 1, 1)).to_json()
    assert in_2028["results"] == []  # every verification has expired


def test_home_services_only_where_the_comune_is_covered(small_pipeline: MatchPipeline) -> None:
    household = [{"relation": "self", "age": 55}, {"relation": "parent", "age": 86, "non_self_sufficient": True}]
    notes = "La madre, 86 anni, non è più autosufficiente: serve assistenza domiciliare per l'igiene personale."
    trescore = result_ids(match(small_pipeline, notes=notes, household=household))
    assert "SAD-TRESCORE" in trescore and "TELESOCCORSO" in trescore
    assert "SAD-ENDINE" not in trescore  # nearer than Tradate, but Trescore is outside its area
    endine = result_ids(match(small_pipeline, comune="Endine Gaiano", notes=notes, household=household))
    assert "SAD-ENDINE" in endine and "SAD-TRESCORE" not in endine and "TELESOCCORSO" not in endine


def test_age_bands_and_certification_are_respected(small_pipeline: MatchPipeline) -> None:
    out = match(small_pipeline, notes="Il figlio di 25 anni ha una disabilità grave e cerca un centro diurno.", household=[{"relation": "self", "age": 55}, {"relation": "child", "age": 25, "disability": True}])
    assert "CDD" in result_ids(out)
    pending = match(small_pipeline, notes="Il figlio di 25 anni ha una disabilità grave, la domanda di invalidità è in corso.", household=[{"relation": "self", "age": 55}, {"relation": "child", "age": 25, "disability": True}])
    assert "CDD" not in result_ids(pending)
    adult = match(small_pipeline, notes="Cerca una ludoteca.", stated_needs=["childcare"], household=[{"relation": "self", "age": 40}])
    assert "LUDOTECA" not in result_ids(adult)


def test_fixture_results_never_fail_quality_or_reach(fixture_outputs: list[tuple[Intake, dict[str, Any]]], fixture_collection: Collection) -> None:
    bad = [
        (intake.id, sid, fixture_collection.forbidden[intake.id][sid])
        for intake, out in fixture_outputs
        for sid in result_ids(out)
        if fixture_collection.forbidden.get(intake.id, {}).get(sid) in ("quality_failed", "out_of_range")
    ]
    assert bad == []


def test_fixture_results_respect_the_readme_rules(fixture_outputs: list[tuple[Intake, dict[str, Any]]], fixture_catalogue: Catalogue) -> None:
    """Independent re-implementation of the README's reach, quality and case-level rules."""
    for intake, out in fixture_outputs:
        for r in out["results"]:
            s = fixture_catalogue.get(r["service_id"])
            assert s is not None
            assert s.accredited and s.ethical_charter and s.last_verified is not None
            assert 0 <= (REFERENCE_DATE - s.last_verified).days <= 365
            if s.delivery == "on_site":
                d = haversine_km(intake.comune.lat, intake.comune.lon, s.lat, s.lon)
                assert d <= intake.max_distance_km, (intake.id, s.service_id, d)
                assert r["distance_km"] == pytest.approx(d, abs=0.01)
            else:
                assert intake.comune.istat_code in (s.service_area or {s.comune_istat}), (intake.id, s.service_id)
            if intake.isee is not None and s.isee_max is not None:
                assert intake.isee <= s.isee_max, (intake.id, s.service_id)
            if intake.funding is not None:
                assert "free" in s.funding or s.funding & intake.funding, (intake.id, s.service_id)
            ages = [m.age for m in intake.household]
            if ages and (s.age_min is not None or s.age_max is not None):
                assert any((s.age_min or 0) <= a <= (s.age_max if s.age_max is not None else 200) for a in ages), (intake.id, s.service_id)


# --- needs, inference, diversification ---------------------------------------------------


def test_services_without_declared_needs_are_matched_on_inferred_needs(small_pipeline: MatchPipeline) -> None:
    mobility = match(small_pipeline, notes="Il padre, 82 anni, non guida più e deve andare alle visite in ospedale.", household=[{"relation": "self", "age": 50}, {"relation": "parent", "age": 82}])
    transport = [r for r in mobility["results"] if r["service_id"] == "TRASPORTO"]
    assert transport and transport[0]["need"] == "mobility"
    play = match(small_pipeline, stated_needs=["childcare"], household=[{"relation": "self", "age": 35}, {"relation": "child", "age": 5}])
    assert "LUDOTECA" in result_ids(play)


def test_diversification_puts_every_need_in_the_top_5(fixture_pipeline: MatchPipeline, fixture_outputs: list[tuple[Intake, dict[str, Any]]]) -> None:
    checked = 0
    for intake, out in fixture_outputs:
        needs = [n["need"] for n in out["needs"]]
        if not needs or len(needs) > 5:
            continue
        cat = fixture_pipeline.catalogue_
        fit = person_fit(cat, people_of(intake))
        allowed = apply_filters(cat, fixture_pipeline.quality_mask(REFERENCE_DATE), intake, fit).allowed
        servable = [n for n in needs if (allowed & (fixture_pipeline.affinity_[:, NEED_ORDER[n]] > 0)).any()]
        top5 = {r["need"] for r in out["results"][:5]}
        assert set(servable) <= top5, (intake.id, servable, top5)
        checked += len(servable) > 1
    assert checked > 50, "the property must be exercised on multi-need cases"


def test_empty_notes_rely_on_structured_fields(small_pipeline: MatchPipeline) -> None:
    out = match(small_pipeline, notes="", household=[{"relation": "self", "age": 58}, {"relation": "parent", "age": 88, "non_self_sufficient": True}])
    needs = {n["need"]: n for n in out["needs"]}
    assert needs["elderly_care"]["source"] == "surfaced"
    assert needs["elderly_care"]["evidence"].startswith("nucleo:")
    assert "SAD-TRESCORE" in result_ids(out)


def test_stated_need_is_always_returned_even_without_notes(small_pipeline: MatchPipeline) -> None:
    out = match(small_pipeline, notes="", stated_needs=["employment"])
    assert out["needs"] == [{"need": "employment", "source": "stated", "score": 1.0, "evidence": "richiesta esplicita (stated_needs)"}]
    assert result_ids(out) == ["LAVORO"]


# --- batch, determinism, dense channel ---------------------------------------------------------


def test_match_many_equals_match_one_by_one(small_pipeline: MatchPipeline) -> None:
    intakes = [make_intake(id=f"B{i}", notes=notes, comune=TRESCORE) for i, notes in enumerate(["Cerca un nido.", "", "Ha perso il lavoro.", "Non guida più."] * 3)]
    batched = [r.to_json() for r in small_pipeline.match_many(intakes, as_of=REFERENCE_DATE, batch_size=5)]
    single = [small_pipeline.match(i, as_of=REFERENCE_DATE).to_json() for i in intakes]
    assert batched == single
    assert [b["id"] for b in batched] == [i.id for i in intakes]


def test_matching_is_deterministic(fixture_catalogue: Catalogue, fixture_pipeline: MatchPipeline, fixture_outputs: list[tuple[Intake, dict[str, Any]]]) -> None:
    again = MatchPipeline(PipelineConfig(encoder=None)).fit(fixture_catalogue)
    for intake, out in fixture_outputs[::10]:
        assert again.match(intake, as_of=REFERENCE_DATE).to_json() == out


def test_match_result_json() -> None:
    assert MatchResult("X", [], []).to_json() == {"id": "X", "needs": [], "results": []}


def test_config_is_serialisable_for_experiment_tracking() -> None:
    cfg = PipelineConfig(encoder=None).to_dict()
    assert cfg["encoder"] is None and cfg["ranking"]["top_k"] == 10 and cfg["policy"]["max_verification_age_days"] == 365
    json.dumps(cfg)


def test_dense_channel_with_the_packaged_encoder(dense_pipeline: MatchPipeline) -> None:
    assert dense_pipeline.service_embeddings_ is not None
    assert dense_pipeline.service_embeddings_.shape[0] == len(dense_pipeline.catalogue_)
    assert dense_pipeline.surfacer_.prototypes_ is not None
    out = match(dense_pipeline, notes=NIDO_NOTES, household=TODDLER)
    check_contract(out)
    assert result_ids(out)[0] == "NIDO-TRESCORE"
    assert {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE"}.isdisjoint(result_ids(out))
    negated = match(dense_pipeline, notes="Sig.ra 35 aa. Il nido ce l'abbiamo già, cerca lavoro.", household=TODDLER)
    assert "childcare" not in {n["need"] for n in negated["needs"]}
    assert "employment" in {n["need"] for n in negated["needs"]}
    check_contract(negated)
    # the dense channel supports lexical or household evidence, it never surfaces a need alone
    assert match(dense_pipeline, notes="Vorrebbe qualche informazione generale sui servizi del territorio.")["needs"] == []
    norms = np.linalg.norm(dense_pipeline.service_embeddings_, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    dense = dense_pipeline.surfacer_.dense_scores(dense_pipeline.embed_notes([make_intake(notes=NIDO_NOTES)])[0])
    assert dense.shape == (len(NEED_CODES),) and ((dense >= 0) & (dense <= 1)).all()
