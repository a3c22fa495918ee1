"""The territory an insights report covers: a province, a region, a comune, or everything.

``--territory`` (and ``?territory=``) accept a province abbreviation (``BG``), a region
name (``Lombardia``), a comune's ISTAT code (``016086``) or its name. A bad value is an
``InputError`` naming the field, with the valid forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from recommender.errors import InputError, Issue
from recommender.features.text import normalize
from recommender.gazetteer import Comune, Gazetteer, UnknownComuneError, default_gazetteer

ALL = "tutti"


@dataclass(frozen=True)
class Territory:
    kind: str  # "all" | "region" | "province" | "comune"
    code: str  # region name, province abbreviation, ISTAT code, or "tutti"
    label: str

    def contains(self, comune_istat: str, province: str, region: str) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "region":
            return region == self.code
        if self.kind == "province":
            return province == self.code
        return comune_istat == self.code

    def comuni(self, gazetteer: Gazetteer | None = None) -> list[Comune]:
        """Every comune of the territory (all of Italy for ``all``), in ISTAT code order."""
        gaz = gazetteer or default_gazetteer()
        return [c for code, c in sorted(gaz.by_code.items()) if self.contains(code, c.province_abbr, c.region_name)]

    def to_json(self) -> dict:
        return {"kind": self.kind, "code": self.code, "label": self.label}


EVERYWHERE = Territory("all", ALL, "tutti i territori")


@lru_cache(maxsize=4)
def _index(gaz: Gazetteer) -> tuple[dict[str, str], dict[str, str]]:
    provinces = {c.province_abbr.upper(): c.province_abbr for c in gaz.by_code.values()}
    regions = {normalize(c.region_name): c.region_name for c in gaz.by_code.values()}
    return provinces, regions


def parse_territory(value: str | None, gazetteer: Gazetteer | None = None, field: str = "territory") -> Territory:
    """A territory from its name or code; ``None`` or empty means everywhere."""
    if value is None or not value.strip():
        return EVERYWHERE
    gaz = gazetteer or default_gazetteer()
    text = value.strip()
    provinces, regions = _index(gaz)
    if len(text) == 2 and text.isalpha():
        if text.upper() in provinces:
            return Territory("province", provinces[text.upper()], f"provincia {provinces[text.upper()]}")
        raise InputError(Issue(f"unknown province '{text}' (a two-letter abbreviation such as BG, VA, PD)", column=field))
    if normalize(text) in regions:
        region = regions[normalize(text)]
        return Territory("region", region, region)
    try:
        comune = gaz.resolve(text, field=field)
    except UnknownComuneError as exc:
        raise InputError(Issue(
            f"'{text}' is neither a province (BG), a region (Lombardia) nor a comune (name or ISTAT code): {exc.issues[0].reason}", column=field,
        )) from None
    return Territory("comune", comune.istat_code, f"{comune.name} ({comune.province_abbr})")
