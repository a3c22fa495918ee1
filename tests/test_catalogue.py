"""Catalogue import: every bad row named by line, column and reason; nothing half-loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recommender.catalogue import CATALOGUE_COLUMNS, Catalogue, load_catalogue, parse_catalogue
from recommender.errors import InputError, Issue
from recommender.gazetteer import Gazetteer
from tests.helpers import CASAZZA, SMALL_SERVICES, TRADATE, TRESCORE, catalogue_csv, catalogue_row, write_catalogue

GOOD = {"service_id": "OK-1", "name": "Asilo nido", "description": "Nido per bambini da 0 a 3 anni.", "needs": "childcare"}


def issues_of(text: str) -> list[Issue]:
    with pytest.raises(InputError) as err:
        parse_catalogue(text)
    return err.value.issues


def one_bad_row(**bad: str) -> str:
    """A good row on line 2 and a bad row (service B-1) on line 3."""
    return catalogue_csv([GOOD, {**GOOD, "service_id": "B-1", **bad}])


# --- a valid catalogue --------------------------------------------------------------------


def test_small_catalogue_loads_every_service(small_catalogue: Catalogue) -> None:
    assert len(small_catalogue) == len(SMALL_SERVICES)
    assert [s.service_id for s in small_catalogue] == [s["service_id"] for s in SMALL_SERVICES]
    assert small_catalogue.get("NIDO-TRESCORE") is small_catalogue.services[0]
    assert small_catalogue.get("NOPE") is None


def test_fields_are_typed(small_catalogue: Catalogue) -> None:
    sad = small_catalogue.get("SAD-TRESCORE")
    assert sad is not None
    assert sad.delivery == "home"
    assert sad.service_area == frozenset({TRESCORE, CASAZZA})
    assert sad.declared_needs == ("elderly_care",)
    assert (sad.age_min, sad.age_max, sad.isee_max) == (65, None, None)
    assert sad.funding == frozenset({"municipal_voucher", "private"})
    assert sad.price_eur == 18.5
    assert sad.accredited is True and sad.ethical_charter is True
    assert sad.requires_disability_certification is False
    assert sad.last_verified == date(2026, 9, 1)
    assert sad.rating == 4.2 and sad.complaints_12m == 0
    cdd = small_catalogue.get("CDD")
    assert cdd is not None and cdd.requires_disability_certification is True
    assert cdd.line == 1 + [s["service_id"] for s in SMALL_SERVICES].index("CDD") + 1


def test_empty_coordinates_fall_back_to_the_comune(small_catalogue: Catalogue, gazetteer: Gazetteer) -> None:
    nido = small_catalogue.get("NIDO-TRESCORE")
    trescore = gazetteer.get(TRESCORE)
    assert nido is not None and trescore is not None
    assert (nido.lat, nido.lon) == (trescore.lat, trescore.lon)
    assert nido.coords_from_comune is True
    transport = small_catalogue.get("TRASPORTO")
    assert transport is not None
    assert (transport.lat, transport.lon) == (45.7465, 9.9071)
    assert transport.coords_from_comune is False


def test_empty_needs_column_is_kept_empty_for_inference(small_catalogue: Catalogue) -> None:
    for sid in ("TRASPORTO", "LUDOTECA"):
        svc = small_catalogue.get(sid)
        assert svc is not None and svc.declared_needs == ()


def test_declared_needs_keep_their_order_and_drop_repeats() -> None:
    cat = parse_catalogue(catalogue_csv([{**GOOD, "needs": " housing ; income_support;housing "}]))
    assert cat.services[0].declared_needs == ("housing", "income_support")


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("TRUE", True), ("1", True), ("sì", True), ("false", False), ("0", False), ("no", False)])
def test_boolean_spellings(raw: str, value: bool) -> None:
    cat = parse_catalogue(catalogue_csv([{**GOOD, "accredited": raw}]))
    assert cat.services[0].accredited is value


def test_home_service_without_area_covers_its_own_comune() -> None:
    cat = parse_catalogue(catalogue_csv([{**GOOD, "delivery": "home", "comune_istat": TRADATE, "service_area_istat": ""}]))
    assert list(cat.area_index) == [TRADATE]


def test_bundled_fixture_catalogue_is_valid(fixture_catalogue: Catalogue) -> None:
    assert len(fixture_catalogue) == 320
    assert {s.delivery for s in fixture_catalogue} <= {"on_site", "home", "remote"}
    assert {"BG", "PD", "VA"} <= fixture_catalogue.provinces()


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + catalogue_csv([GOOD]).encode("utf-8"))
    assert load_catalogue(path).services[0].service_id == "OK-1"


def test_crlf_line_endings_are_accepted() -> None:
    text = catalogue_csv([GOOD, {**GOOD, "service_id": "OK-2"}]).replace("\n", "\r\n")
    assert len(parse_catalogue(text)) == 2


def test_entirely_empty_rows_are_skipped() -> None:
    text = catalogue_csv([GOOD]) + "," * (len(CATALOGUE_COLUMNS) - 1) + "\n"
    assert len(parse_catalogue(text)) == 1


# --- bad rows: line, column and reason ------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        ({"comune_istat": "999999"}, "comune_istat", "unknown ISTAT code '999999'"),
        ({"comune_istat": "16218"}, "comune_istat", "not a 6-digit ISTAT code"),
        ({"comune_istat": ""}, "comune_istat", "is required"),
        ({"service_area_istat": f"{TRESCORE};123456"}, "service_area_istat", "unknown ISTAT code '123456'"),
        ({"needs": "childcare;babysitting"}, "needs", "unknown need code 'babysitting'"),
        ({"last_verified": "2026-13-01"}, "last_verified", "not an ISO date"),
        ({"last_verified": "01/09/2026"}, "last_verified", "not an ISO date"),
        ({"lat": "45.70"}, "lon", "lat and lon must be given together"),
        ({"lon": "9.85"}, "lat", "lat and lon must be given together"),
        ({"lat": "95", "lon": "9.85"}, "lat", "above the maximum"),
        ({"accredited": "forse"}, "accredited", "'forse' is not true/false"),
        ({"ethical_charter": ""}, "ethical_charter", "is required"),
        ({"requires_disability_certification": "maybe"}, "requires_disability_certification", "not true/false"),
        ({"delivery": "online"}, "delivery", "'online' is not one of"),
        ({"funding": "private;cash"}, "funding", "unknown funding source 'cash'"),
        ({"age_min": "10", "age_max": "5"}, "age_max", "below age_min"),
        ({"age_min": "-1"}, "age_min", "below the minimum"),
        ({"age_max": "3.5"}, "age_max", "not a whole number"),
        ({"isee_max": "tanti"}, "isee_max", "not a number"),
        ({"price_eur": "nan"}, "price_eur", "not a finite number"),
        ({"rating": "7"}, "rating", "above the maximum"),
        ({"complaints_12m": "-2"}, "complaints_12m", "below the minimum"),
        ({"service_id": ""}, "service_id", "is required"),
        ({"name": "  "}, "name", "is required"),
    ],
)
def test_bad_value_is_reported_with_line_column_and_reason(bad: dict[str, str], column: str, reason: str) -> None:
    issues = issues_of(one_bad_row(**bad))
    assert [(i.line, i.column) for i in issues] == [(3, column)]
    assert reason in issues[0].reason


def test_duplicate_service_id_names_both_lines() -> None:
    issues = issues_of(catalogue_csv([GOOD, {**GOOD, "service_id": "OK-2"}, GOOD]))
    assert [(i.line, i.column) for i in issues] == [(4, "service_id")]
    assert "duplicate service_id 'OK-1'" in issues[0].reason
    assert "line 2" in issues[0].reason


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    text = catalogue_csv([
        {**GOOD, "service_id": "X-1", "comune_istat": "000000"},
        GOOD,
        {**GOOD, "service_id": "X-2", "needs": "nonsense", "accredited": "boh"},
        {**GOOD, "service_id": "X-3", "last_verified": "ieri"},
    ])
    issues = issues_of(text)
    assert [(i.line, i.column) for i in issues] == [(2, "comune_istat"), (4, "needs"), (4, "accredited"), (5, "last_verified")]


def test_message_names_source_line_column_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(one_bad_row(comune_istat="999999"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    message = str(err.value)
    assert str(path) in message
    assert "line 3" in message and "field 'comune_istat'" in message and "unknown ISTAT code '999999'" in message


def test_line_numbers_are_physical_lines_after_a_multiline_description() -> None:
    text = catalogue_csv([{**GOOD, "description": "Prima riga.\nSeconda riga.\nTerza riga."}, {**GOOD, "service_id": "B-1", "needs": "foo"}])
    assert text.count("\n") == 5
    issues = issues_of(text)
    assert [(i.line, i.column) for i in issues] == [(5, "needs")]


def test_line_numbers_stay_right_after_a_blank_line() -> None:
    good, bad = catalogue_csv([GOOD]), catalogue_csv([{**GOOD, "service_id": "B-1", "comune_istat": "999999"}])
    text = good + "\n" + bad.split("\n", 1)[1]  # header, good row (line 2), blank line 3, bad row on line 4
    issues = issues_of(text)
    assert [(i.line, i.column) for i in issues] == [(4, "comune_istat")]


def test_row_with_too_many_fields_is_reported() -> None:
    text = catalogue_csv([GOOD]).rstrip("\n") + ",surplus\n"
    issues = issues_of(text)
    assert issues[0].line == 2
    assert "23 fields" in issues[0].reason


def test_missing_and_unknown_header_columns_are_reported_on_line_1() -> None:
    header = [c for c in CATALOGUE_COLUMNS if c != "funding"] + ["fundng"]
    issues = issues_of(catalogue_csv([GOOD], header=header))
    assert {(i.line, i.column) for i in issues} == {(1, "funding"), (1, "fundng")}


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_catalogue_is_rejected(text: str) -> None:
    issues = issues_of(text)
    assert "empty" in issues[0].reason


def test_header_without_services_is_rejected() -> None:
    issues = issues_of(catalogue_csv([]))
    assert "no services" in issues[0].reason


def test_catalogue_object_refuses_to_be_empty() -> None:
    with pytest.raises(InputError, match="no services"):
        Catalogue([])


def test_nothing_is_loaded_when_any_row_is_bad(tmp_path: Path) -> None:
    rows = [*SMALL_SERVICES, catalogue_row(service_id="BAD", name="x", comune_istat="999999")]
    path = write_catalogue(tmp_path / "catalogue.csv", rows)
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    assert len(err.value.issues) == 1
    assert err.value.issues[0].line == len(SMALL_SERVICES) + 2


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the catalogue"):
        load_catalogue(tmp_path / "nope.csv")


def test_non_utf8_catalogue_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(catalogue_csv([{**GOOD, "name": "Attività per anziani"}]).encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_catalogue(path)


# --- optional contact columns -------------------------------------------------------------

CONTACTS = ("contact_phone", "contact_email", "website", "address")
WITH_CONTACTS = (*CATALOGUE_COLUMNS, *CONTACTS)


def test_contact_columns_are_optional_and_parsed_when_present() -> None:
    without = parse_catalogue(catalogue_csv([GOOD]))
    assert (without.services[0].contact_phone, without.services[0].contact_email, without.services[0].website, without.services[0].address) == ("", "", "", "")
    text = catalogue_csv([
        {**GOOD, "contact_phone": "+39 035 000 0123", "contact_email": "nido@esempio.example.org",
         "website": "https://nido.example.org/iscrizioni?anno=2026", "address": "Via dell'Esempio  4,\n Trescore Balneario (BG)"},
        {**GOOD, "service_id": "OK-2"},  # every contact left empty
    ], header=WITH_CONTACTS)
    first, second = parse_catalogue(text).services
    assert first.contact_phone == "+39 035 000 0123"
    assert first.contact_email == "nido@esempio.example.org"
    assert first.website == "https://nido.example.org/iscrizioni?anno=2026"
    assert first.address == "Via dell'Esempio 4, Trescore Balneario (BG)"  # whitespace folded for printing
    assert (second.contact_phone, second.contact_email, second.website, second.address) == ("", "", "", "")


def test_a_header_with_only_some_contact_columns_is_accepted() -> None:
    text = catalogue_csv([{**GOOD, "contact_phone": "035 000 0001"}], header=(*CATALOGUE_COLUMNS, "contact_phone"))
    assert parse_catalogue(text).services[0].contact_phone == "035 000 0001"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("contact_email", "nido at example.org", "is not an e-mail address"),
        ("contact_email", "nido@localhost", "is not an e-mail address"),
        ("contact_email", "a@b.example.org, c@d.example.org", "is not an e-mail address"),
        ("website", "nido.example.org", "starting with http:// or https://"),
        ("website", "javascript:alert(1)", "starting with http:// or https://"),
        ("website", "https://exa mple.org/", "starting with http:// or https://"),
        ("contact_phone", "chiamare il mattino", "is not a phone number"),
        ("contact_phone", "12", "is not a phone number"),
        ("address", "x" * 301, "longer than 300"),
    ],
)
def test_bad_contacts_are_reported_with_line_and_column(column: str, value: str, reason: str) -> None:
    text = catalogue_csv([GOOD, {**GOOD, "service_id": "B-1", column: value}], header=WITH_CONTACTS)
    [issue] = issues_of(text)
    assert (issue.line, issue.column) == (3, column)
    assert reason in issue.reason


def test_rows_are_counted_against_the_header_they_came_with() -> None:
    text = catalogue_csv([GOOD], header=WITH_CONTACTS)
    short = text + ",".join(["B-2", "Nido"] + [""] * (len(CATALOGUE_COLUMNS) - 2)) + "\n"  # no contact fields at all
    issues = issues_of(short)
    assert any(i.line == 3 and f"the header has {len(WITH_CONTACTS)}" in i.reason for i in issues)


def test_the_bundled_catalogue_has_fictitious_contacts(fixture_catalogue: Catalogue) -> None:
    services = fixture_catalogue.services
    assert all(s.contact_phone and " 000 " in s.contact_phone for s in services)
    assert all(s.address.startswith("Via dell'Esempio ") for s in services)
    assert all(s.contact_email.endswith(".example.org") for s in services if s.contact_email)
    assert all(s.website.startswith("https://") and ".example.org/" in s.website for s in services if s.website)
    assert sum(1 for s in services if not s.website) > 0  # optional: some are left empty
