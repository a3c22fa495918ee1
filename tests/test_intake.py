"""Intake validation: each bad field named by its path, comune resolved, JSONL streamed by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recommender.catalogue import Catalogue
from recommender.errors import InputError
from recommender.intake import DEFAULT_MAX_DISTANCE_KM, IntakeModel, parse_intake, read_intakes
from recommender.paths import FIXTURES_DIR
from tests.helpers import LOVERE, TRESCORE, write_jsonl

BASE: dict[str, Any] = {"id": "C1", "comune": TRESCORE, "notes": "Cerca un nido."}


def field_errors(obj: object, line: int | None = None) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(InputError) as err:
        parse_intake(obj, line=line)
    return [(i.line, i.column, i.reason) for i in err.value.issues]


def test_minimal_intake_gets_contract_defaults() -> None:
    intake = parse_intake(BASE)
    assert intake.id == "C1"
    assert intake.comune.istat_code == TRESCORE
    assert intake.stated_needs == ()
    assert intake.household == () and intake.household_given is False
    assert intake.isee is None and intake.funding is None
    assert intake.max_distance_km == DEFAULT_MAX_DISTANCE_KM == 20.0


def test_full_intake_is_typed() -> None:
    intake = parse_intake({
        **BASE,
        "comune": "lovere",
        "stated_needs": ["elderly_care", "mobility", "elderly_care"],
        "household": [{"relation": "self", "age": 50}, {"relation": "parent", "age": 84, "non_self_sufficient": True}],
        "isee": 12500,
        "funding": ["company_welfare", "private"],
        "max_distance_km": 12,
        "unknown_extra": "ignored",
    })
    assert intake.comune.istat_code == LOVERE
    assert intake.stated_needs == ("elderly_care", "mobility")
    assert intake.household_given is True
    assert [(m.relation, m.age, m.disability, m.non_self_sufficient) for m in intake.household] == [("self", 50, False, False), ("parent", 84, False, True)]
    assert intake.isee == 12500.0
    assert intake.funding == frozenset({"company_welfare", "private"})
    assert intake.max_distance_km == 12.0


@pytest.mark.parametrize("comune", ["Trescore Balneario", "TRESCORE BALNEARIO", "trescore balneario", 16218, "016218"])
def test_comune_by_code_or_name_in_any_case(comune: str | int) -> None:
    assert parse_intake({**BASE, "comune": comune}).comune.istat_code == TRESCORE


def test_null_notes_mean_empty_notes() -> None:
    assert parse_intake({**BASE, "notes": None}).notes == ""


def test_empty_household_is_given_but_has_nobody() -> None:
    intake = parse_intake({**BASE, "household": []})
    assert intake.household_given is True and intake.household == ()


@pytest.mark.parametrize(
    ("patch", "field", "reason"),
    [
        ({"household": [{"relation": "self", "age": -1}]}, "household[0].age", "greater than or equal to 0"),
        ({"household": [{"relation": "self", "age": 40}, {"relation": "child", "age": 130}]}, "household[1].age", "less than or equal to 120"),
        ({"household": [{"relation": "self", "age": "40"}]}, "household[0].age", "valid integer"),
        ({"household": [{"relation": "cousin", "age": 12}]}, "household[0].relation", "'self'"),
        ({"household": [{"relation": "self", "age": 40, "disability": "yes"}]}, "household[0].disability", "valid boolean"),
        ({"isee": "7800"}, "isee", "valid number"),
        ({"isee": "7.800 €"}, "isee", "valid number"),
        ({"isee": -5}, "isee", "greater than or equal to 0"),
        ({"stated_needs": ["childcare", "babysitting"]}, "stated_needs", "unknown need code(s) 'babysitting'"),
        ({"stated_needs": "childcare"}, "stated_needs", "valid list"),
        ({"funding": ["private", "cash"]}, "funding[1]", "'company_welfare'"),
        ({"max_distance_km": 0}, "max_distance_km", "greater than 0"),
        ({"max_distance_km": "10"}, "max_distance_km", "valid number"),
        ({"id": ""}, "id", "at least 1 character"),
        ({"notes": 42}, "notes", "valid string"),
    ],
)
def test_bad_field_is_named_by_its_path(patch: dict[str, Any], field: str, reason: str) -> None:
    errors = field_errors({**BASE, **patch}, line=7)
    assert [(line, column) for line, column, _ in errors] == [(7, field)]
    assert reason in errors[0][2]


def test_unknown_need_code_lists_the_valid_codes() -> None:
    (_, _, reason), = field_errors({**BASE, "stated_needs": ["childcare", "babysitting"]})
    assert "childcare" in reason and "mobility" in reason


@pytest.mark.parametrize("missing", ["id", "comune"])
def test_required_fields(missing: str) -> None:
    obj = {k: v for k, v in BASE.items() if k != missing}
    assert field_errors(obj) == [(None, missing, "is required")]


def test_every_bad_field_is_reported_at_once() -> None:
    errors = field_errors({**BASE, "isee": "tanti", "household": [{"relation": "self", "age": -3}], "stated_needs": ["x"]})
    assert {column for _, column, _ in errors} == {"isee", "household[0].age", "stated_needs"}


def test_unknown_comune_names_the_field_and_suggests() -> None:
    (line, column, reason), = field_errors({**BASE, "comune": "Trescore Balneari"}, line=3)
    assert (line, column) == (3, "comune")
    assert "Trescore Balneario (BG, 016218)" in reason


def test_ambiguous_comune_is_settled_by_the_catalogue_provinces() -> None:
    with pytest.raises(InputError, match="ambiguous"):
        parse_intake({**BASE, "comune": "Castro"})
    assert parse_intake({**BASE, "comune": "Castro"}, prefer_provinces=frozenset({"BG"})).comune.istat_code == "016065"


@pytest.mark.parametrize("obj", [[BASE], "C1", 42, None])
def test_line_must_be_a_json_object(obj: object) -> None:
    (line, column, reason), = field_errors(obj, line=4)
    assert line == 4 and column is None and "expected a JSON object" in reason


def test_wire_model_schema_documents_the_comune_field() -> None:
    schema = IntakeModel.model_json_schema()
    assert {"id", "comune"} <= set(schema["required"])
    assert "ISTAT" in schema["properties"]["comune"]["description"]


# --- JSONL streaming --------------------------------------------------------------------


def test_read_intakes_yields_each_line_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "intakes.jsonl"
    path.write_text(
        '{"id": "A", "comune": "016218"}\n'
        "\n"
        '{"id": "B", "comune": "Lovere", "isee": "ottomila"}\n'
        '{"id": "C", "comune": "016058"\n'
        '{"id": "D", "comune": "Casazza", "notes": "ok"}\n',
        encoding="utf-8",
    )
    items = list(read_intakes(path))
    assert [i.line for i in items] == [1, 3, 4, 5]
    assert [i.intake.id if i.intake else None for i in items] == ["A", None, None, "D"]
    assert items[1].error is not None and items[1].error.issues[0].column == "isee" and items[1].error.issues[0].line == 3
    assert items[2].error is not None and "malformed JSON" in str(items[2].error) and "line 4" in str(items[2].error)


def test_read_intakes_of_the_bundled_fixtures_are_all_valid(fixture_catalogue: Catalogue) -> None:
    items = list(read_intakes(FIXTURES_DIR / "intakes.jsonl", prefer_provinces=fixture_catalogue.provinces()))
    assert len(items) == 122
    assert all(i.error is None for i in items)
    assert len({i.intake.id for i in items if i.intake}) == 122


def test_read_intakes_of_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the intakes"):
        list(read_intakes(tmp_path / "nope.jsonl"))


def test_write_jsonl_round_trip(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [BASE, {**BASE, "id": "C2", "notes": "Però è già seguita."}])
    assert [i.intake.notes for i in read_intakes(path) if i.intake] == ["Cerca un nido.", "Però è già seguita."]


def test_unknown_comune_is_reported_together_with_other_field_errors() -> None:
    from recommender.errors import InputError
    from recommender.intake import parse_intake

    with pytest.raises(InputError) as info:
        parse_intake({"id": "x", "comune": "Trescore Balnerio", "stated_needs": ["nido"]}, line=4)
    fields = {i.column for i in info.value.issues}
    assert fields == {"stated_needs", "comune"}
    assert all(i.line == 4 for i in info.value.issues)
    assert "Trescore Balneario" in str(info.value)
