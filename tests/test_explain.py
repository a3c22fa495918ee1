"""Italian explanations: every fragment is a fact the engine used (distance, quality, eligibility, funding)."""

from __future__ import annotations

import dataclasses

import pytest

from recommender.catalogue import Catalogue, Service
from recommender.explain import explain
from tests.helpers import TRADATE, make_intake


def svc(catalogue: Catalogue, service_id: str) -> Service:
    s = catalogue.get(service_id)
    assert s is not None
    return s


def test_on_site_service_explanation(small_catalogue: Catalogue) -> None:
    text = explain(svc(small_catalogue, "NIDO-ISEE"), "childcare", (), 6.7618, make_intake())
    parts = text.split(" · ")
    assert parts[0] == "Risponde a: cura dei figli"
    assert parts[1] == "6,8 km"
    assert parts[2] == "accreditato, carta etica, verificato 09/2026, valutazione 4,2/5"
    assert parts[3] == "fino a 3 anni, ISEE fino a 8.000 €"
    assert parts[4] == "gratuito"


def test_home_and_remote_services_say_where_they_are_delivered(small_catalogue: Catalogue) -> None:
    home = explain(svc(small_catalogue, "SAD-TRESCORE"), "elderly_care", (), 0.0, make_intake())
    assert "a domicilio a Trescore Balneario" in home
    assert " km" not in home
    assert "dai 65 anni" in home
    remote = dataclasses.replace(svc(small_catalogue, "TELESOCCORSO"), delivery="remote")
    assert "a distanza (online o telefono)" in explain(remote, "elderly_care", (), 72.4, make_intake(comune=TRADATE))


def test_other_needs_served_are_mentioned(small_catalogue: Catalogue) -> None:
    text = explain(svc(small_catalogue, "CONTRIBUTO"), "income_support", ("housing",), 0.0, make_intake())
    assert text.startswith("Risponde a: sostegno al reddito (anche casa)")


def test_funding_shows_only_the_sources_the_person_can_use(small_catalogue: Catalogue) -> None:
    nido = svc(small_catalogue, "NIDO-TRESCORE")
    assert "con voucher comunale o a pagamento (420 €)" in explain(nido, "childcare", (), 0.0, make_intake())
    only_voucher = explain(nido, "childcare", (), 0.0, make_intake(funding=["municipal_voucher"]))
    assert "con voucher comunale" in only_voucher and "a pagamento" not in only_voucher
    aziendale = explain(svc(small_catalogue, "NIDO-AZIENDALE"), "childcare", (), 6.8, make_intake(funding=["company_welfare"]))
    assert "pagabile con credito welfare aziendale" in aziendale


def test_decimal_price_uses_the_italian_comma(small_catalogue: Catalogue) -> None:
    assert "(18,5 €)" in explain(svc(small_catalogue, "SAD-TRESCORE"), "elderly_care", (), 0.0, make_intake())


def test_certification_and_age_range_are_stated(small_catalogue: Catalogue) -> None:
    text = explain(svc(small_catalogue, "CDD"), "disability", (), 6.8, make_intake())
    assert "18-65 anni" in text
    assert "serve certificazione L.104/invalidità" in text


def test_missing_quality_facts_are_not_invented(small_catalogue: Catalogue) -> None:
    bare = dataclasses.replace(svc(small_catalogue, "LAVORO"), accredited=False, ethical_charter=False, last_verified=None, rating=None)
    text = explain(bare, "employment", (), 6.8, make_intake())
    assert "accreditato" not in text and "carta etica" not in text and "verificato" not in text and "valutazione" not in text


def test_evidence_from_the_notes_is_quoted_and_shortened(small_catalogue: Catalogue) -> None:
    nido = svc(small_catalogue, "NIDO-TRESCORE")
    assert explain(nido, "childcare", (), 0.0, make_intake(), "cerca un nido").endswith("dalle note: «cerca un nido»")
    long = "parola " * 40
    quoted = explain(nido, "childcare", (), 0.0, make_intake(), long).split("dalle note: ")[1]
    assert quoted.endswith("…»") and len(quoted) <= 92


@pytest.mark.parametrize(("distance", "shown"), [(0.0, "0,0 km"), (12.345, "12,3 km"), (19.96, "20,0 km")])
def test_distance_format(small_catalogue: Catalogue, distance: float, shown: str) -> None:
    assert f" · {shown} · " in explain(svc(small_catalogue, "NIDO-TRESCORE"), "childcare", (), distance, make_intake())


def test_without_a_need_the_explanation_says_so(small_catalogue: Catalogue) -> None:
    assert explain(svc(small_catalogue, "LAVORO"), "", (), 1.0, make_intake()).startswith("Risponde a: bisogni espressi")
