"""The intake contract: one person's situation as the welfare manager recorded it.

``IntakeModel`` is the wire format (JSONL line, API body). ``Intake`` is the validated,
resolved form the pipeline works on (comune resolved in the gazetteer).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from recommender.catalogue import FUNDING_SOURCES
from recommender.errors import InputError, Issue
from recommender.gazetteer import Comune, Gazetteer, UnknownComuneError, default_gazetteer
from recommender.needs import NEED_BY_CODE

Relation = Literal["self", "child", "partner", "parent", "other"]
FundingSource = Literal["company_welfare", "municipal_voucher", "solidarity_fund", "private", "free"]
DEFAULT_MAX_DISTANCE_KM = 20.0
assert set(FundingSource.__args__) == set(FUNDING_SOURCES)  # type: ignore[attr-defined]


NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


class HouseholdMember(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    relation: Relation
    age: int = Field(ge=0, le=120)
    disability: bool = False
    non_self_sufficient: bool = False


class IntakeModel(BaseModel):
    """One intake as sent by a platform (JSONL line or API body)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    comune: str | int = Field(description="ISTAT code or comune name (case- and accent-insensitive)")
    notes: str | None = Field(default="", max_length=20_000)
    stated_needs: list[str] = Field(default_factory=list, max_length=12)
    household: list[HouseholdMember] | None = Field(default=None, max_length=30)
    isee: float | None = Field(default=None, ge=0, le=10_000_000)
    funding: list[FundingSource] | None = Field(default=None, max_length=5)
    max_distance_km: float | None = Field(default=None, gt=0, le=500)

    @field_validator("id", "notes")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL text cannot hold U+0000: refused here, not as a server error at storage
        return no_nul(value)

    @field_validator("stated_needs")
    @classmethod
    def _known_needs(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in NEED_BY_CODE]
        if unknown:
            raise ValueError(f"unknown need code(s) {', '.join(map(repr, unknown))}; valid codes: {', '.join(NEED_BY_CODE)}")
        return list(dict.fromkeys(value))


@dataclass(frozen=True)
class Intake:
    id: str
    comune: Comune
    notes: str
    stated_needs: tuple[str, ...]
    household: tuple[HouseholdMember, ...]
    household_given: bool
    isee: float | None
    funding: frozenset[str] | None
    max_distance_km: float


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pydantic_issues(exc: ValidationError, line: int | None) -> list[Issue]:
    issues = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in ("str", "int", "float", "list[...]"))
        # union branches of `comune` report twice; keep the message readable
        field = _loc(loc) or None
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] in ("missing",):
            msg = "is required"
        issues.append(Issue(msg, line=line, column=field))
    # dedupe while keeping order
    seen, out = set(), []
    for i in issues:
        key = (i.column, i.reason)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def resolve_intake(
    model: IntakeModel,
    gazetteer: Gazetteer | None = None,
    prefer_provinces: frozenset[str] | None = None,
    line: int | None = None,
) -> Intake:
    gaz = gazetteer or default_gazetteer()
    try:
        comune = gaz.resolve(model.comune, prefer_provinces=prefer_provinces)
    except UnknownComuneError as exc:
        raise InputError([Issue(i.reason, line=line, column=i.column) for i in exc.issues]) from exc
    return Intake(
        id=model.id,
        comune=comune,
        notes=model.notes or "",
        stated_needs=tuple(model.stated_needs),
        household=tuple(model.household or ()),
        household_given=model.household is not None,
        isee=model.isee,
        funding=frozenset(model.funding) if model.funding is not None else None,
        max_distance_km=model.max_distance_km or DEFAULT_MAX_DISTANCE_KM,
    )


def parse_intake(
    obj: object,
    gazetteer: Gazetteer | None = None,
    prefer_provinces: frozenset[str] | None = None,
    line: int | None = None,
) -> Intake:
    """Validate one intake object; raise ``InputError`` naming each bad field."""
    if not isinstance(obj, dict):
        raise InputError(Issue(f"expected a JSON object, got {type(obj).__name__}", line=line))
    try:
        model = IntakeModel.model_validate(obj)
    except ValidationError as exc:
        issues = _pydantic_issues(exc, line)
        # report an unknown comune together with the other field errors, not after them
        comune = obj.get("comune")
        if isinstance(comune, str | int) and not isinstance(comune, bool) and not any(i.column == "comune" for i in issues):
            try:
                (gazetteer or default_gazetteer()).resolve(comune, prefer_provinces=prefer_provinces)
            except UnknownComuneError as cexc:
                issues += [Issue(i.reason, line=line, column=i.column) for i in cexc.issues]
        raise InputError(issues) from exc
    return resolve_intake(model, gazetteer, prefer_provinces, line)


@dataclass(frozen=True)
class IntakeLine:
    line: int
    intake: Intake | None
    error: InputError | None


def read_intakes(
    path: Path | str,
    gazetteer: Gazetteer | None = None,
    prefer_provinces: frozenset[str] | None = None,
) -> Iterator[IntakeLine]:
    """Stream a JSONL file of intakes; each line yields an intake or its error."""
    gaz = gazetteer or default_gazetteer()
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(Issue(f"cannot read the intakes: {exc.strerror}"), source=str(path)) from exc
    with fh:
        for n, raw_bytes in enumerate(fh, start=1):
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield IntakeLine(n, None, InputError(Issue(f"not UTF-8 text (byte {exc.start})", line=n)))
                continue
            if n == 1:
                raw = raw.lstrip("\ufeff")
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield IntakeLine(n, None, InputError(Issue(f"malformed JSON: {exc.msg} (column {exc.colno})", line=n)))
                continue
            try:
                yield IntakeLine(n, parse_intake(obj, gaz, prefer_provinces, line=n), None)
            except InputError as exc:
                yield IntakeLine(n, None, exc)
