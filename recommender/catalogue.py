"""The territorial catalogue: CSV import with full validation, nothing half-loaded.

Every bad row is reported with its line (the physical line where the record starts),
column and reason; a catalogue with any bad row raises ``InputError`` and loads nothing.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from recommender.errors import InputError, Issue
from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.needs import NEED_BY_CODE

CATALOGUE_COLUMNS: tuple[str, ...] = (
    "service_id", "name", "description", "provider_id", "provider_name", "comune_istat",
    "lat", "lon", "delivery", "service_area_istat", "needs", "age_min", "age_max",
    "isee_max", "requires_disability_certification", "funding", "price_eur", "accredited",
    "ethical_charter", "last_verified", "rating", "complaints_12m",
)
# Optional columns: a catalogue may leave them out of the header or leave them empty. The
# review page shows them to the welfare manager and prints them on the citizen's referral.
OPTIONAL_CATALOGUE_COLUMNS: tuple[str, ...] = ("contact_phone", "contact_email", "website", "address")
DELIVERY_MODES = ("on_site", "home", "remote")
FUNDING_SOURCES = ("company_welfare", "municipal_voucher", "solidarity_fund", "private", "free")
_TRUE = {"true", "1", "yes", "si", "sì"}
_FALSE = {"false", "0", "no"}
_ISTAT_RE = re.compile(r"^\d{6}$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_URL_RE = re.compile(r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#][^\s<>\"]*)?$", re.IGNORECASE)
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ./()-]{4,30}$")


@dataclass(frozen=True)
class Service:
    service_id: str
    name: str
    description: str
    provider_id: str
    provider_name: str
    comune_istat: str
    lat: float
    lon: float
    delivery: str
    service_area: frozenset[str]
    declared_needs: tuple[str, ...]
    age_min: int | None
    age_max: int | None
    isee_max: float | None
    requires_disability_certification: bool
    funding: frozenset[str]
    price_eur: float | None
    accredited: bool
    ethical_charter: bool
    last_verified: date | None
    rating: float | None
    complaints_12m: int | None
    coords_from_comune: bool = False
    line: int = 0
    contact_phone: str = ""
    contact_email: str = ""
    website: str = ""
    address: str = ""

    @property
    def text(self) -> str:
        return f"{self.name}. {self.description}"


@dataclass
class Catalogue:
    """Validated services plus column arrays for vectorised filtering and scoring."""

    services: list[Service]
    source: str = "<memory>"
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        if not self.services:
            raise InputError(Issue("the catalogue has no services"), source=self.source)
        self.index = {s.service_id: i for i, s in enumerate(self.services)}
        n = len(self.services)
        self.lats = np.array([s.lat for s in self.services], dtype=float)
        self.lons = np.array([s.lon for s in self.services], dtype=float)
        self.on_site = np.array([s.delivery == "on_site" for s in self.services])
        self.age_min = np.array([-np.inf if s.age_min is None else s.age_min for s in self.services])
        self.age_max = np.array([np.inf if s.age_max is None else s.age_max for s in self.services])
        self.isee_max = np.array([np.inf if s.isee_max is None else s.isee_max for s in self.services])
        self.requires_cert = np.array([s.requires_disability_certification for s in self.services])
        self.funding_mask = np.zeros(n, dtype=np.int64)
        for i, s in enumerate(self.services):
            self.funding_mask[i] = funding_bits(s.funding)
        # comune -> indices of home/remote services that cover it
        area: dict[str, list[int]] = {}
        for i, s in enumerate(self.services):
            if s.delivery != "on_site":
                for code in s.service_area or {s.comune_istat}:
                    area.setdefault(code, []).append(i)
        self.area_index = {k: np.array(v, dtype=np.int64) for k, v in area.items()}

    def __len__(self) -> int:
        return len(self.services)

    def __iter__(self):
        return iter(self.services)

    def get(self, service_id: str) -> Service | None:
        i = self.index.get(service_id)
        return None if i is None else self.services[i]

    def provinces(self, gazetteer: Gazetteer | None = None) -> frozenset[str]:
        gaz = gazetteer or default_gazetteer()
        return frozenset(c.province_abbr for s in self.services if (c := gaz.get(s.comune_istat)))


def funding_bits(sources: frozenset[str] | set[str] | list[str]) -> int:
    bits = 0
    for src in sources:
        if src in FUNDING_SOURCES:
            bits |= 1 << FUNDING_SOURCES.index(src)
    return bits


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


class _RowParser:
    """Parses one CSV row, collecting issues instead of stopping at the first."""

    def __init__(self, row: dict[str, str], line: int, issues: list[Issue]):
        self.row, self.line, self.issues = row, line, issues

    def fail(self, column: str, reason: str) -> None:
        self.issues.append(Issue(reason, line=self.line, column=column))

    def text(self, column: str, required: bool = False) -> str:
        value = (self.row.get(column) or "").strip()
        if required and not value:
            self.fail(column, "is required")
        return value

    def number(self, column: str, integer: bool = False, lo: float | None = None, hi: float | None = None) -> float | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            value = float(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw else float(raw)
        except ValueError:
            self.fail(column, f"'{raw}' is not a number")
            return None
        if not math.isfinite(value):
            self.fail(column, f"'{raw}' is not a finite number")
            return None
        if integer and value != int(value):
            self.fail(column, f"'{raw}' is not a whole number")
            return None
        if lo is not None and value < lo:
            self.fail(column, f"{raw} is below the minimum {lo:g}")
            return None
        if hi is not None and value > hi:
            self.fail(column, f"{raw} is above the maximum {hi:g}")
            return None
        return int(value) if integer else value

    def boolean(self, column: str, default: bool | None = None) -> bool:
        raw = self.text(column).lower()
        if not raw and default is not None:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        self.fail(column, f"'{raw}' is not true/false" if raw else "is required (true/false)")
        return False

    def iso_date(self, column: str) -> date | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(column, f"'{raw}' is not an ISO date (YYYY-MM-DD)")
            return None


def _parse_row(row: dict[str, str], line: int, gazetteer: Gazetteer, issues: list[Issue], n_columns: int = len(CATALOGUE_COLUMNS)) -> Service | None:
    p = _RowParser(row, line, issues)
    before = len(issues)
    if None in row:  # more fields than header columns
        p.fail("", f"has {len(row) - 1 + len(row[None])} fields, the header has {n_columns}")
    elif len(row) < n_columns:
        p.fail("", f"has {len(row)} fields, the header has {n_columns}")
    service_id = p.text("service_id", required=True)
    name = p.text("name", required=True)
    description = p.text("description")
    provider_id = p.text("provider_id")
    provider_name = p.text("provider_name")

    comune = p.text("comune_istat", required=True)
    comune_rec = None
    if comune:
        if not _ISTAT_RE.match(comune):
            p.fail("comune_istat", f"'{comune}' is not a 6-digit ISTAT code")
        elif (comune_rec := gazetteer.get(comune)) is None:
            p.fail("comune_istat", f"unknown ISTAT code '{comune}'")

    lat = p.number("lat", lo=-90, hi=90)
    lon = p.number("lon", lo=-180, hi=180)
    raw_lat, raw_lon = p.text("lat"), p.text("lon")
    if bool(raw_lat) != bool(raw_lon):
        p.fail("lon" if raw_lat else "lat", "lat and lon must be given together (or both left empty)")
    coords_from_comune = lat is None or lon is None
    if coords_from_comune and comune_rec is not None:
        lat, lon = comune_rec.lat, comune_rec.lon

    delivery = p.text("delivery", required=True)
    if delivery and delivery not in DELIVERY_MODES:
        p.fail("delivery", f"'{delivery}' is not one of {', '.join(DELIVERY_MODES)}")

    area: set[str] = set()
    for code in split_list(p.text("service_area_istat")):
        if not _ISTAT_RE.match(code):
            p.fail("service_area_istat", f"'{code}' is not a 6-digit ISTAT code")
        elif code not in gazetteer:
            p.fail("service_area_istat", f"unknown ISTAT code '{code}'")
        else:
            area.add(code)

    needs: list[str] = []
    for code in split_list(p.text("needs")):
        if code not in NEED_BY_CODE:
            p.fail("needs", f"unknown need code '{code}' (valid: {', '.join(NEED_BY_CODE)})")
        elif code not in needs:
            needs.append(code)

    age_min = p.number("age_min", integer=True, lo=0, hi=120)
    age_max = p.number("age_max", integer=True, lo=0, hi=120)
    if age_min is not None and age_max is not None and age_min > age_max:
        p.fail("age_max", f"age_max {age_max} is below age_min {age_min}")
    isee_max = p.number("isee_max", lo=0)
    requires_cert = p.boolean("requires_disability_certification", default=False)

    funding: set[str] = set()
    for src in split_list(p.text("funding")):
        if src not in FUNDING_SOURCES:
            p.fail("funding", f"unknown funding source '{src}' (valid: {', '.join(FUNDING_SOURCES)})")
        else:
            funding.add(src)

    price = p.number("price_eur", lo=0)
    accredited = p.boolean("accredited")
    ethical = p.boolean("ethical_charter")
    last_verified = p.iso_date("last_verified")
    rating = p.number("rating", lo=1, hi=5)
    complaints = p.number("complaints_12m", integer=True, lo=0)
    phone, email, website, address = _contacts(p)

    if len(issues) > before or lat is None or lon is None:
        return None
    return Service(
        service_id=service_id, name=name, description=description, provider_id=provider_id,
        provider_name=provider_name, comune_istat=comune, lat=float(lat), lon=float(lon),
        delivery=delivery, service_area=frozenset(area), declared_needs=tuple(needs),
        age_min=age_min, age_max=age_max, isee_max=isee_max,
        requires_disability_certification=requires_cert, funding=frozenset(funding),
        price_eur=price, accredited=accredited, ethical_charter=ethical,
        last_verified=last_verified, rating=rating, complaints_12m=complaints,
        coords_from_comune=coords_from_comune, line=line,
        contact_phone=phone, contact_email=email, website=website, address=address,
    )


def _contacts(p: _RowParser) -> tuple[str, str, str, str]:
    """The optional contact columns: empty is fine, anything else must look like what it is
    (they are printed for the citizen and turned into tel:, mailto: and web links)."""
    phone = p.text("contact_phone")
    if phone and not _PHONE_RE.match(phone):
        p.fail("contact_phone", f"'{phone}' is not a phone number (digits, spaces, '+', '.', '/', '-', parentheses)")
    email = p.text("contact_email")
    if email and (len(email) > 254 or not _EMAIL_RE.match(email)):
        p.fail("contact_email", f"'{email}' is not an e-mail address")
    website = p.text("website")
    if website and (len(website) > 500 or not _URL_RE.match(website)):
        p.fail("website", f"'{website}' is not a web address starting with http:// or https://")
    address = " ".join(p.text("address").split())
    if len(address) > 300:
        p.fail("address", "is longer than 300 characters")
    return phone, email, website, address


def parse_catalogue(text: str, source: str = "<catalogue>", gazetteer: Gazetteer | None = None) -> Catalogue:
    """Validate a whole catalogue CSV; raise ``InputError`` listing every bad row."""
    gaz = gazetteer or default_gazetteer()
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InputError(Issue("the catalogue is empty (no header, no rows)"), source=source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise InputError(Issue(f"cannot read the header: {exc}"), source=source) from exc
    issues: list[Issue] = []
    missing = [c for c in CATALOGUE_COLUMNS if c not in header]
    extra = [c for c in header if c and c not in CATALOGUE_COLUMNS and c not in OPTIONAL_CATALOGUE_COLUMNS]
    for c in missing:
        issues.append(Issue("missing column in the header", line=1, column=c))
    for c in extra:
        issues.append(Issue("unknown column in the header (check the spelling)", line=1, column=c))
    if issues:
        raise InputError(issues, source=source)

    services: list[Service] = []
    seen: dict[str, int] = {}
    prev = reader.line_num
    try:
        for fields in reader:
            # the record starts on the line after the previous record ended (blank lines
            # and multi-line quoted fields included)
            start, prev = prev + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            row: dict = dict(zip(header, fields))
            if len(fields) > len(header):
                row[None] = fields[len(header):]
            svc = _parse_row(row, start, gaz, issues, len({h for h in header if h}))
            sid = (row.get("service_id") or "").strip()
            if sid:
                if sid in seen:
                    issues.append(Issue(f"duplicate service_id '{sid}' (first seen on line {seen[sid]})", line=start, column="service_id"))
                    svc = None
                else:
                    seen[sid] = start
            if svc is not None:
                services.append(svc)
    except csv.Error as exc:
        issues.append(Issue(f"malformed CSV: {exc}", line=reader.line_num))
    if issues:
        raise InputError(issues, source=source)
    if not services:
        raise InputError(Issue("the catalogue has a header but no services"), source=source)
    return Catalogue(services, source=source)


def load_catalogue(path: Path | str, gazetteer: Gazetteer | None = None) -> Catalogue:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(Issue(f"cannot read the catalogue: {exc.strerror}"), source=str(path)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Issue(f"the catalogue is not UTF-8 (byte {exc.start})"), source=str(path)) from exc
    return parse_catalogue(text, source=str(path), gazetteer=gazetteer)
