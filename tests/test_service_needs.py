"""Which needs a service answers: declared needs trusted, empty `needs` inferred from the text."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import Catalogue, parse_catalogue
from recommender.needs import NEED_ORDER
from recommender.pipeline import MatchPipeline, PipelineConfig
from recommender.service_needs import ServiceNeedConfig, infer_profiles
from tests.helpers import REFERENCE_DATE, TRADATE, catalogue_csv, make_intake


def profile_needs(rows: list[dict[str, str]], config: ServiceNeedConfig | None = None) -> list[tuple[str, ...]]:
    profiles, _ = infer_profiles(parse_catalogue(catalogue_csv(rows)), config)
    return [p.needs for p in profiles]


def test_empty_needs_column_is_inferred_from_name_and_description(small_catalogue: Catalogue) -> None:
    profiles, affinity = infer_profiles(small_catalogue)
    by_id = {s.service_id: p for s, p in zip(small_catalogue.services, profiles)}
    assert by_id["TRASPORTO"].main_need == "mobility" and by_id["TRASPORTO"].inferred
    assert by_id["LUDOTECA"].main_need == "childcare" and by_id["LUDOTECA"].inferred
    assert affinity[small_catalogue.index["TRASPORTO"], NEED_ORDER["mobility"]] == 1.0
    assert not by_id["SAD-TRESCORE"].inferred


@pytest.mark.parametrize(
    ("name", "description", "main"),
    [
        ("Pre e post scuola", "Accoglienza degli alunni della primaria dalle 7.30 e dopo le lezioni.", "childcare"),
        ("Pasti a domicilio", "Consegna di un pasto caldo a casa degli anziani soli.", "elderly_care"),
        ("Emporio solidale", "Spesa gratis con tessera a punti per famiglie in difficoltà economica.", "income_support"),
        ("Sportello casa", "Aiuto per il contributo affitto e le situazioni di sfratto.", "housing"),
        ("Corso di italiano per stranieri", "Lezioni di lingua italiana e mediazione culturale.", "social_inclusion"),
        ("Sportello lavoro", "Orientamento, curriculum e tirocini per disoccupati.", "employment"),
        ("Maggiordomo aziendale", "Disbrigo pratiche, commissioni e lavanderia per i dipendenti.", "work_life_balance"),
        ("Gruppo caregiver", "Auto mutuo aiuto per familiari che assistono un malato.", "caregiver_support"),
    ],
)
def test_inferred_main_need(name: str, description: str, main: str) -> None:
    (needs,) = profile_needs([{"service_id": "S", "name": name, "description": description, "needs": ""}])
    assert needs[0] == main


def test_declared_needs_are_trusted_in_their_order() -> None:
    cat = parse_catalogue(catalogue_csv([{"service_id": "S", "name": "Sportello", "description": "Informazioni.", "needs": "housing;income_support"}]))
    profiles, affinity = infer_profiles(cat)
    assert profiles[0].main_need == "housing" and profiles[0].needs == ("housing", "income_support")
    assert affinity[0, NEED_ORDER["housing"]] == 1.0
    assert affinity[0, NEED_ORDER["income_support"]] == pytest.approx(0.6)
    assert np.count_nonzero(affinity[0]) == 2


def test_declared_needs_are_completed_below_the_main_need() -> None:
    rows = [{"service_id": "S", "name": "Trasporto sociale anziani", "description": "Accompagnamento di anziani a visite e ospedale.", "needs": "mobility"}]
    cat = parse_catalogue(catalogue_csv(rows))
    profiles, affinity = infer_profiles(cat)
    assert profiles[0].main_need == "mobility"
    extra = [n for n in profiles[0].needs if n != "mobility"]
    assert all(affinity[0, NEED_ORDER[n]] == pytest.approx(0.45) for n in extra)
    _, plain = infer_profiles(cat, ServiceNeedConfig(complete_declared=False))
    assert np.count_nonzero(plain[0]) == 1


def test_service_without_any_cue_answers_no_need() -> None:
    rows = [{"service_id": "X", "name": "Ufficio protocollo", "description": "Orari di apertura al pubblico.", "needs": ""}]
    profiles, affinity = infer_profiles(parse_catalogue(catalogue_csv(rows)))
    assert profiles[0].needs == () and profiles[0].main_need == "" and not affinity.any()


def test_micronido_is_not_a_health_service() -> None:
    needs = profile_needs([
        {"service_id": "M1", "name": "Micronido aziendale Piccoli Passi", "description": "Micronido per i figli dei dipendenti.", "needs": ""},
        {"service_id": "M2", "name": "Micronido Girasole", "description": "Micronido per bambini da 3 a 36 mesi.", "needs": "childcare"},
    ])
    assert all("health" not in n for n in needs)


def test_physiotherapy_request_is_not_answered_with_a_micronido() -> None:
    rows = [
        {"service_id": "MICRO", "name": "Micronido Girasole", "description": "Micronido per bambini da 3 a 36 mesi.", "needs": "childcare", "age_min": "0", "age_max": "3"},
        {"service_id": "FISIO", "name": "Ambulatorio di fisioterapia", "description": "Fisioterapia e riabilitazione.", "needs": "health", "comune_istat": TRADATE},
    ]
    pipe = MatchPipeline(PipelineConfig(encoder=None)).fit(parse_catalogue(catalogue_csv(rows)))
    intake = make_intake(notes="Dopo l'intervento all'anca ha bisogno di fisioterapia.", household=[{"relation": "self", "age": 35}, {"relation": "child", "age": 2}])
    out = pipe.match(intake, as_of=REFERENCE_DATE).to_json()
    assert [n["need"] for n in out["needs"]] == ["health"]
    assert "MICRO" not in [r["service_id"] for r in out["results"]]


@pytest.mark.parametrize(
    ("name", "description", "main"),
    [
        # respite for disabled people belongs to disability in the contract vocabulary
        ("Casa Aperta - weekend di sollievo", "Fine settimana con educatori per ragazzi con autismo o disabilità complessa.", "disability"),
        ("Sportello Badanti", "Aiuto alle famiglie anziane per trovare e assumere un'assistente familiare.", "caregiver_support"),
        ("Spesa a casa - volontari", "I volontari consegnano la spesa agli anziani che non escono.", "work_life_balance"),
        ("Accompagnamento a visite", "Volontari accompagnano in auto a visite mediche ed esami in ospedale.", "mobility"),
        ("Gruppo di cammino", "Camminate guidate due volte a settimana lungo il lago.", "health"),
        ("Carta spesa", "Ricarica mensile per alimenti a famiglie segnalate dai servizi sociali.", "income_support"),
    ],
)
def test_main_need_follows_the_vocabulary_when_words_disagree(name: str, description: str, main: str) -> None:
    rows = [{"service_id": "X1", "name": name, "description": description, "needs": ""}]
    assert profile_needs(rows)[0][0] == main
