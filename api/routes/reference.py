"""Reference data every platform shares: the need vocabulary and the comuni."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.routes.common import errors
from api.schemas import ComuneOut, NeedInfo
from recommender.gazetteer import default_gazetteer
from recommender.needs import NEEDS

router = APIRouter(prefix="/v1", tags=["reference"])


@router.get("/needs", response_model=list[NeedInfo], summary="The need vocabulary with Italian labels")
def list_needs() -> list[NeedInfo]:
    return [NeedInfo(code=n.code, label_it=n.label_it, description_it=n.description_it, description_en=n.description_en) for n in NEEDS]


@router.get("/comuni", response_model=list[ComuneOut], responses=errors(422), summary="Autocomplete Italian comuni")
def autocomplete_comuni(
    q: Annotated[str, Query(min_length=1, max_length=100, description="beginning of the name (accents and case ignored)")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[ComuneOut]:
    return [
        ComuneOut(istat_code=c.istat_code, name=c.name, province=c.province_abbr, region=c.region_name, label=f"{c.name} ({c.province_abbr})")
        for c in default_gazetteer().autocomplete(q, limit)
    ]
