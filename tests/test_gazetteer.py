"""Comune lookup: ISTAT codes, names in any case or accent, ambiguity and suggestions."""

from __future__ import annotations

import pytest

from recommender.errors import InputError
from recommender.gazetteer import Comune, Gazetteer, UnknownComuneError
from tests.helpers import CASAZZA, LOVERE, TRADATE, TRESCORE


def test_gazetteer_holds_every_italian_comune(gazetteer: Gazetteer) -> None:
    assert 7800 < len(gazetteer) < 8000
    assert TRESCORE in gazetteer
    assert "999999" not in gazetteer


@pytest.mark.parametrize(
    ("code", "name", "province"),
    [(TRESCORE, "Trescore Balneario", "BG"), (CASAZZA, "Casazza", "BG"), (LOVERE, "Lovere", "BG"), (TRADATE, "Tradate", "VA")],
)
def test_lookup_by_istat_code(gazetteer: Gazetteer, code: str, name: str, province: str) -> None:
    comune = gazetteer.resolve(code)
    assert (comune.istat_code, comune.name, comune.province_abbr) == (code, name, province)
    assert gazetteer.get(code) == comune
    assert 35 < comune.lat < 48 and 6 < comune.lon < 19


def test_istat_code_given_as_number_keeps_its_leading_zero(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve(16218).istat_code == TRESCORE
    assert gazetteer.resolve("16218").istat_code == TRESCORE


@pytest.mark.parametrize("query", ["Trescore Balneario", "trescore balneario", "TRESCORE BALNEARIO", "  Trescore   Balneario "])
def test_lookup_by_name_is_case_insensitive(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.resolve(query).istat_code == TRESCORE


@pytest.mark.parametrize("query", ["Cantù", "cantu", "CANTÙ", "Cantu'"])
def test_lookup_by_name_is_accent_insensitive(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.resolve(query).name == "Cantù"


@pytest.mark.parametrize("query", ["Sant'Omobono Terme", "sant omobono terme", "SANT’OMOBONO TERME"])
def test_apostrophes_are_matched_loosely(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.resolve(query).istat_code == "016252"


@pytest.mark.parametrize("query", ["Bolzano", "Bozen", "bozen"])
def test_bilingual_names_match_on_each_part(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.resolve(query).istat_code == "021008"


@pytest.mark.parametrize("query", ["Bolzano/Bozen", "Appiano sulla strada del vino/Eppan an der Weinstraße"])
def test_official_bilingual_name_resolves(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.resolve(query).province_abbr == "BZ"


def test_name_in_two_provinces_is_ambiguous_and_lists_both(gazetteer: Gazetteer) -> None:
    with pytest.raises(UnknownComuneError) as err:
        gazetteer.resolve("Castro")
    assert "ambiguous" in str(err.value)
    assert "016065" in str(err.value) and "075096" in str(err.value)
    assert err.value.issues[0].column == "comune"


@pytest.mark.parametrize(("query", "code"), [("Castro (BG)", "016065"), ("castro (le)", "075096"), ("Castro(LE)", "075096")])
def test_province_suffix_picks_one_of_the_homonyms(gazetteer: Gazetteer, query: str, code: str) -> None:
    assert gazetteer.resolve(query).istat_code == code


def test_served_provinces_break_the_tie(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("Castro", prefer_provinces=frozenset({"BG"})).istat_code == "016065"
    assert gazetteer.resolve("Castro", prefer_provinces=frozenset({"LE", "BA"})).istat_code == "075096"


@pytest.mark.parametrize(("typo", "expected"), [("Trescore Balneari", "Trescore Balneario"), ("Lovre", "Lovere"), ("Casaza", "Casazza"), ("Tradte", "Tradate")])
def test_unknown_name_suggests_the_closest_comuni(gazetteer: Gazetteer, typo: str, expected: str) -> None:
    with pytest.raises(UnknownComuneError) as err:
        gazetteer.resolve(typo)
    exc = err.value
    assert exc.query == typo
    assert exc.suggestions, "a typo must come with suggestions"
    assert exc.suggestions[0].startswith(f"{expected} (")
    assert len(exc.suggestions) <= 5
    assert "did you mean" in str(exc) and expected in str(exc)


def test_unknown_comune_is_an_input_error_naming_the_field(gazetteer: Gazetteer) -> None:
    with pytest.raises(InputError) as err:
        gazetteer.resolve("Atlantide", field="comune")
    assert err.value.issues[0].column == "comune"
    assert "Atlantide" in str(err.value)


@pytest.mark.parametrize("code", ["999999", "0016218", "1234567"])
def test_unknown_istat_code_is_rejected_without_guessing(gazetteer: Gazetteer, code: str) -> None:
    with pytest.raises(UnknownComuneError) as err:
        gazetteer.resolve(code)
    assert code in str(err.value)
    assert err.value.suggestions == []


def test_empty_comune_is_rejected(gazetteer: Gazetteer) -> None:
    with pytest.raises(UnknownComuneError, match="empty"):
        gazetteer.resolve("   ")


def test_suggest_of_empty_query_is_empty(gazetteer: Gazetteer) -> None:
    assert gazetteer.suggest("") == []


def test_custom_gazetteer_from_records() -> None:
    comuni = [
        Comune("016218", "Trescore Balneario", "BG", "Lombardia", 45.70, 9.85, 9427),
        Comune("021008", "Bolzano", "BZ", "Trentino-Alto Adige/Südtirol", 46.49, 11.35, None, aliases=("Bolzano", "Bozen")),
    ]
    gaz = Gazetteer(comuni)
    assert len(gaz) == 2
    assert gaz.resolve("bozen").istat_code == "021008"
    with pytest.raises(UnknownComuneError):
        gaz.resolve("Casazza")
