"""Ranking: filters on the whole catalogue before top-k, per-need scoring, diversification."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recommender.catalogue import Catalogue, parse_catalogue
from recommender.eligibility import person_fit
from recommender.features.people import Person, people_of
from recommender.intake import Intake
from recommender.pipeline import MatchPipeline, PipelineConfig
from recommender.ranking import Candidate, Filters, Ranker, RankingConfig, apply_filters, beneficiaries, quality_factor, round_score
from recommender.surfacing import NeedScore
from tests.helpers import REFERENCE_DATE, catalogue_csv, make_intake

MOTHER_OF_TODDLER = [{"relation": "self", "age": 32}, {"relation": "child", "age": 1}]


def stated(need: str, score: float = 1.0, source: str = "stated") -> NeedScore:
    return NeedScore(need, source, score, "", (), need)


def rank(pipe: MatchPipeline, intake: Intake, needs: list[NeedScore], ranker: Ranker | None = None, top_k: int | None = None) -> tuple[list[Candidate], Filters]:
    people = people_of(intake)
    fit = person_fit(pipe.catalogue_, people)
    filters = apply_filters(pipe.catalogue_, pipe.quality_mask(REFERENCE_DATE), intake, fit)
    ranker = ranker or pipe.ranker_
    return ranker.rank(intake, needs, people, filters, fit, REFERENCE_DATE, None, top_k), filters


def sids(pipe: MatchPipeline, cands: list[Candidate]) -> list[str]:
    return [pipe.catalogue_.services[c.index].service_id for c in cands]


def ranker_with(pipe: MatchPipeline, **config: object) -> Ranker:
    return Ranker(RankingConfig(**config)).fit(pipe.catalogue_, pipe.affinity_, pipe.bm25_, None)  # type: ignore[arg-type]


def test_allowed_is_the_conjunction_of_every_filter(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(household=MOTHER_OF_TODDLER, isee=9000, funding=["municipal_voucher", "private"])
    _, f = rank(small_pipeline, intake, [stated("childcare")])
    expected = f.quality & f.reach.reachable & f.case & f.person
    assert np.array_equal(f.allowed, expected)
    allowed = {s.service_id for s, ok in zip(small_pipeline.catalogue_.services, f.allowed) if ok}
    assert {"NIDO-BADQ", "NIDO-OLD", "NIDO-LOVERE", "NIDO-ISEE", "NIDO-AZIENDALE", "SAD-ENDINE"}.isdisjoint(allowed)
    assert "NIDO-TRESCORE" in allowed


def test_candidates_are_only_allowed_services_answering_the_need(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(household=MOTHER_OF_TODDLER)
    cands, f = rank(small_pipeline, intake, [stated("childcare")])
    assert cands, "an eligible nido exists"
    for c in cands:
        assert f.allowed[c.index]
        assert small_pipeline.affinity_[c.index, 0] > 0  # childcare column
        assert c.need == "childcare"
    assert set(sids(small_pipeline, cands)) == {"NIDO-TRESCORE", "NIDO-ISEE", "NIDO-AZIENDALE"}


def test_top_1_is_the_best_allowed_service_not_an_empty_list(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(notes="Cerca un asilo nido.", household=MOTHER_OF_TODDLER)
    nido_query = small_pipeline.bm25_.score("asilo nido nido micronido")
    best_text = small_pipeline.catalogue_.services[int(np.argmax(nido_query))].service_id
    assert best_text in {"NIDO-BADQ", "NIDO-LOVERE"}  # the best text match is filtered out
    cands, _ = rank(small_pipeline, intake, [NeedScore("childcare", "surfaced", 0.9, "", ((10, 15),), "asilo nido nido micronido")], top_k=1)
    assert sids(small_pipeline, cands) == ["NIDO-TRESCORE"]


def test_scores_are_sorted_and_in_unit_interval(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(household=[{"relation": "self", "age": 50}, {"relation": "parent", "age": 84, "non_self_sufficient": True}])
    cands, _ = rank(small_pipeline, intake, [stated("elderly_care"), stated("caregiver_support", 0.8, "surfaced"), stated("mobility", 0.7, "surfaced")])
    assert all(0 < c.score <= 1 for c in cands)
    assert len({c.index for c in cands}) == len(cands)


def test_diversification_puts_a_weak_need_near_the_top(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(household=MOTHER_OF_TODDLER)
    needs = [stated("childcare"), stated("employment", 0.15, "surfaced")]
    plain, _ = rank(small_pipeline, intake, needs, ranker=ranker_with(small_pipeline, diversify=False))
    assert sids(small_pipeline, plain)[-1] == "LAVORO", "without diversification the weak need comes last"
    diverse, _ = rank(small_pipeline, intake, needs)
    assert "LAVORO" in sids(small_pipeline, diverse)[:2]
    assert {c.need for c in diverse[:2]} == {"childcare", "employment"}
    assert sorted(sids(small_pipeline, plain)) == sorted(sids(small_pipeline, diverse))


def test_top_k_is_respected(small_pipeline: MatchPipeline) -> None:
    intake = make_intake()
    needs = [stated(n) for n in ("childcare", "elderly_care", "income_support", "mental_health", "employment")]
    for k in (1, 2, 3):
        cands, _ = rank(small_pipeline, intake, needs, top_k=k)
        assert len(cands) == k


def test_also_needs_lists_other_needs_the_service_answers(small_pipeline: MatchPipeline) -> None:
    cands, _ = rank(small_pipeline, make_intake(), [stated("income_support"), stated("housing")])
    (c,) = cands
    assert sids(small_pipeline, cands) == ["CONTRIBUTO"]
    assert c.need == "income_support" and c.also_needs == ("housing",)


def test_no_need_at_all_falls_back_to_allowed_services(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(notes="")
    cands, f = rank(small_pipeline, intake, [])
    assert cands and all(f.allowed[c.index] for c in cands)
    assert len(cands) == small_pipeline.ranker_.config.top_k


def test_needs_without_eligible_services_are_not_padded_with_unrelated_services(small_pipeline: MatchPipeline) -> None:
    intake = make_intake(household=[{"relation": "self", "age": 40}])  # no certification: the only CDD is out
    cands, _ = rank(small_pipeline, intake, [stated("disability")])
    assert all(c.need == "disability" for c in cands)


def test_beneficiaries_of_each_need() -> None:
    people = [Person("self", 45), Person("child", 8), Person("parent", 82, non_self_sufficient=True), Person("child", 19, disability=True)]
    assert beneficiaries("childcare", people, "") == [1]
    assert beneficiaries("elderly_care", people, "") == [2]
    assert beneficiaries("disability", people, "") == [3]
    assert beneficiaries("employment", people, "") == [0, 3]
    assert beneficiaries("caregiver_support", people, "") == [0]
    assert beneficiaries("mental_health", people, "ha 19 anni e non esce più di casa") == [3]
    assert beneficiaries("mental_health", people, "i ragazzi sono tristi") == [1, 3]
    assert beneficiaries("mental_health", people, "la madre piange spesso") == [2]
    assert beneficiaries("mobility", people, "non guida più") == [2, 3]
    assert beneficiaries("health", [], "") == []


def test_beneficiary_mismatch_lowers_but_does_not_remove(small_pipeline: MatchPipeline) -> None:
    # the 19-year-old is the one in distress; the psychologist (18+) fits him, the ludoteca fits nobody
    intake = make_intake(household=[{"relation": "self", "age": 45}, {"relation": "child", "age": 19}])
    cands, _ = rank(small_pipeline, intake, [stated("mental_health")])
    assert sids(small_pipeline, cands) == ["PSICOLOGO"]


def test_residential_care_is_a_last_resort_unless_asked_for() -> None:
    rows = [
        {"service_id": "RSA", "name": "RSA Villa Serena", "description": "Residenza sanitaria assistenziale per anziani non autosufficienti, posti letto.", "needs": "elderly_care", "rating": "5"},
        {"service_id": "SAD", "name": "Assistenza domiciliare anziani", "description": "Assistenza domiciliare per anziani non autosufficienti.", "needs": "elderly_care", "rating": "3.5"},
    ]
    pipe = MatchPipeline(PipelineConfig(encoder=None)).fit(parse_catalogue(catalogue_csv(rows)))
    home = pipe.match(make_intake(notes="La madre di 88 anni non è più autosufficiente.", stated_needs=["elderly_care"]), as_of=REFERENCE_DATE)
    assert [r["service_id"] for r in home.results] == ["SAD", "RSA"]
    asks = pipe.match(make_intake(notes="La madre di 88 anni non è più autosufficiente, cercano una casa di riposo.", stated_needs=["elderly_care"]), as_of=REFERENCE_DATE)
    score = {r["service_id"]: r["score"] for r in home.results}
    score_asked = {r["service_id"]: r["score"] for r in asks.results}
    assert score_asked["RSA"] > 2 * score["RSA"], "asking for a residential place lifts the penalty"
    assert score_asked["SAD"] == score["SAD"]


def test_quality_factor_rewards_rating_and_recent_checks(small_catalogue: Catalogue) -> None:
    q = quality_factor(small_catalogue, REFERENCE_DATE)
    assert q.shape == (len(small_catalogue),)
    assert ((q > 0) & (q <= 1)).all()
    idx = small_catalogue.index
    assert q[idx["NIDO-TRESCORE"]] > q[idx["NIDO-ISEE"]]  # rating 4.5 vs 4.2, same verification date


@pytest.mark.parametrize(("x", "rounded"), [(0.123456, 0.1235), (1.0, 1.0), (0.0, 0.0), (math.nan, 0.0), (math.inf, 0.0)])
def test_round_score(x: float, rounded: float) -> None:
    assert round_score(x) == rounded
