"""Request and response models of the HTTP API (they make the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SkipValidation

from recommender.catalogue import DELIVERY_MODES
from recommender.feedback import OUTCOMES, REASONS
from recommender.intake import IntakeModel, no_nul

Outcome = Literal[tuple(OUTCOMES)]  # type: ignore[valid-type]
Reason = Literal[tuple(REASONS)]  # type: ignore[valid-type]
Delivery = Literal[DELIVERY_MODES]  # type: ignore[valid-type]
TopK = Annotated[int, Field(ge=1, le=100, description="number of suggestions (1-100)")]


def iso_date(value: object) -> object:
    # Only "YYYY-MM-DD": lax date parsing would take 86400 for 1970-01-02.
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date written YYYY-MM-DD")


AsOf = Annotated[
    date | None,
    BeforeValidator(iso_date),
    Field(description="reference date of the quality policy, YYYY-MM-DD (default: today)"),
]


class ErrorItem(BaseModel):
    field: str | None = Field(None, description="path of the bad field, e.g. body.household[0].age")
    line: int | None = Field(None, description="line of an uploaded file")
    column: str | None = Field(None, description="column of an uploaded CSV")
    message: str


class ErrorResponse(BaseModel):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class MatchRequest(IntakeModel):
    """One intake of the contract (docs/contract.md) plus matching options."""

    top_k: TopK = 10
    as_of: AsOf = None


class NeedOut(BaseModel):
    need: str
    source: Literal["stated", "surfaced"]
    score: float
    evidence: str


class ResultOut(BaseModel):
    rank: int
    service_id: str
    name: str
    need: str
    score: float
    distance_km: float
    explanation: str


class MatchResponse(BaseModel):
    match_id: str
    id: str = Field(description="the intake id sent by the platform")
    as_of: date
    catalogue_version: int
    needs: list[NeedOut]
    results: list[ResultOut]


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Items are validated one by one in the handler so that a bad intake is reported in
    # its own slot instead of failing the whole batch; the schema still documents them.
    intakes: list[SkipValidation[IntakeModel]] = Field(min_length=1, max_length=1000)
    top_k: TopK = 10
    as_of: AsOf = None


class BatchItem(BaseModel):
    index: int
    id: str | None = None
    match: MatchResponse | None = None
    errors: list[ErrorItem] | None = None


class BatchResponse(BaseModel):
    matched: int
    failed: int
    items: list[BatchItem]


class QualityOut(BaseModel):
    passes: bool = Field(description="the service meets the quality policy today")
    failures: list[str] = Field(description="why it does not (Italian)")


class ServiceOut(BaseModel):
    service_id: str
    name: str
    description: str
    provider_id: str
    provider_name: str
    comune_istat: str
    comune: str
    province: str
    lat: float
    lon: float
    delivery: Delivery
    service_area_istat: list[str]
    needs: list[str]
    needs_inferred: bool = Field(description="needs inferred from the text (the catalogue gave none)")
    age_min: int | None
    age_max: int | None
    isee_max: float | None
    requires_disability_certification: bool
    funding: list[str]
    price_eur: float | None
    accredited: bool
    ethical_charter: bool
    last_verified: date | None
    rating: float | None
    complaints_12m: int | None
    quality: QualityOut


class ServicePage(BaseModel):
    total: int = Field(description="services matching the filters")
    items: list[ServiceOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


class NeedInfo(BaseModel):
    code: str
    label_it: str
    description_it: str
    description_en: str


class ComuneOut(BaseModel):
    istat_code: str
    name: str
    province: str
    region: str
    label: str = Field(description="name with province, e.g. 'Castro (BG)'")


class CatalogueOut(BaseModel):
    version: int
    n_services: int
    needs_inferred: int = Field(description="services whose needs were inferred from the text")
    sha256: str
    uploaded_at: datetime


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: str = Field(min_length=1, max_length=200)
    outcome: Outcome
    reason: Reason | None = None
    comment: Annotated[str | None, AfterValidator(no_nul)] = Field(None, max_length=2000, description="free text; purged with the notes after the retention period")
    event_id: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$",
        description="the client's id of this event (e.g. a UUID); sending it again (a retry) stores nothing new and returns the stored event",
    )


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[FeedbackIn] = Field(min_length=1, max_length=100)


class FeedbackOut(BaseModel):
    id: int
    service_id: str
    rank: int
    need: str
    outcome: str
    reason: str | None
    comment: str | None
    created_at: datetime
    event_id: str | None = None


class FeedbackResponse(BaseModel):
    match_id: str
    stored: list[FeedbackOut]


class MatchDetail(BaseModel):
    match_id: str
    id: str
    comune_istat: str
    as_of: date
    catalogue_version: int | None
    created_at: datetime
    needs: list[NeedOut]
    results: list[ResultOut]
    notes: str | None = Field(description="stored only if the tenant enabled it, and only until the retention purge")
    feedback: list[FeedbackOut]


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: Literal["ready", "starting", "unavailable"]
    database: bool
    encoder: bool
    catalogues_loaded: int
    problems: list[str]


# --- aggregate insights (GET /v1/insights) ------------------------------------------------

Count = Annotated[
    int | str,
    Field(description="a number of intakes (0, or at least k), '<k' (between 1 and k-1, not published) or 'c' (suppressed so that a small count cannot be derived by difference)"),
]
Share = Annotated[float | None, Field(description="published only when both of its counts are (null otherwise)")]


class InsightsTerritoryRow(BaseModel):
    level: Literal["totale", "provincia", "comune"]
    area: str = Field(description="'tutti', a province abbreviation, 'altre province', an ISTAT code or 'altri comuni (PROV)'")
    name: str
    province: str
    parent: str = Field(description="the area this one is part of ('' for the total)")
    need: str = Field(description="a need code, or 'tutti' for the row pooling every need (counts of intake-need pairs)")
    need_label: str
    intakes: Count
    detected: Count = Field(description="intakes where the need was found (stated or surfaced)")
    hidden: Count | None = Field(description="intakes where the need surfaced without being stated (null on the pooled row)")
    unmet: Count = Field(description="intakes with the need and no eligible, quality-passing service within reach")
    hidden_share: Share
    hidden_share_ci_low: Share
    hidden_share_ci_high: Share
    unmet_share: Share
    unmet_share_ci_low: Share
    unmet_share_ci_high: Share
    population: int | None
    services: int | None = Field(description="quality-passing services answering the need within reach of the comune")
    supply_per_10k: float | None


class InsightsHouseholdRow(BaseModel):
    household_type: str
    need: str
    need_label: str
    intakes: Count
    hidden: Count
    hidden_share: Share
    hidden_share_ci_low: Share
    hidden_share_ci_high: Share


class InsightsAgeBandRow(BaseModel):
    age_band: str
    need: str
    need_label: str
    intakes: Count
    hidden: Count
    hidden_share: Share
    hidden_share_ci_low: Share
    hidden_share_ci_high: Share


class InsightsCooccurrenceRow(BaseModel):
    stated_need: str
    stated_label: str
    hidden_need: str
    hidden_label: str
    stating: Count = Field(description="intakes stating stated_need")
    with_hidden: Count = Field(description="... of which hidden_need surfaced")
    share: Share
    share_ci_low: Share
    share_ci_high: Share


class InsightsSupplyRow(BaseModel):
    area: str
    name: str
    province: str
    need: str
    need_label: str
    population: int | None
    services: int | None
    supply_per_10k: float | None


class InsightsTables(BaseModel):
    territory: list[InsightsTerritoryRow]
    household_type: list[InsightsHouseholdRow]
    age_band: list[InsightsAgeBandRow]
    cooccurrence: list[InsightsCooccurrenceRow]
    supply: list[InsightsSupplyRow] = Field(default_factory=list, description="only with supply=true")


class InsightsMerged(BaseModel):
    group: str
    level: str
    units: int = Field(description="how many comuni, provinces or household types the group holds")


class InsightsDisclosure(BaseModel):
    k: int
    rules: list[str]
    cells: dict[str, int] = Field(description="how many counts were published, shown as '<k', or suppressed to protect them")
    merged: list[InsightsMerged]
    suppressed_rows: list[dict[str, str]]
    statements: list[str]


class InsightsProvenance(BaseModel):
    source: str | None
    catalogue: dict | None
    tenant: str | None
    period: dict | None
    as_of: str | None
    territory: dict | None
    k: int
    intakes: Count
    unresolved_needs: Count = Field(description="intake-need pairs whose unmet status could not be told (a list cut by top_k); counted as met")
    generated_at: str
    engine: dict | None


class InsightsResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_id: str = Field(alias="schema", description="format of the document: welfare-match/insights/1")
    provenance: InsightsProvenance
    disclosure: InsightsDisclosure
    tables: InsightsTables
