"""Italian comuni: lookup by ISTAT code or by name, with suggestions for typos.

Names are matched case- and accent-insensitively, on the official name, on its Italian
part and on each part of bilingual names ("Bolzano/Bozen"). A few names exist in two
provinces (Castro BG and LE, Calliano AT and TN...): "Castro (BG)" picks one, and a
caller may pass the provinces it serves as a tie-breaker.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from recommender.errors import InputError, Issue
from recommender.features.text import normalize
from recommender.paths import GAZETTEER_CSV

_PROVINCE_SUFFIX = re.compile(r"^(.*?)\s*\(\s*([a-z]{2})\s*\)$")


@dataclass(frozen=True)
class Comune:
    istat_code: str
    name: str
    province_abbr: str
    region_name: str
    lat: float
    lon: float
    population: int | None
    aliases: tuple[str, ...] = ()


class UnknownComuneError(InputError):
    def __init__(self, query: str, suggestions: list[str], field: str = "comune", reason: str | None = None):
        self.query = query
        self.suggestions = suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(Issue(reason or f"unknown comune '{query}'{hint}", column=field))


def _name_key(name: str) -> str:
    key = normalize(name).replace("'", " ").replace("-", " ")
    return re.sub(r"\s+", " ", key).strip()


class Gazetteer:
    """All Italian comuni, indexed by ISTAT code and by normalised name."""

    def __init__(self, comuni: list[Comune]):
        self.by_code: dict[str, Comune] = {c.istat_code: c for c in comuni}
        self._by_name: dict[str, list[Comune]] = {}
        for c in comuni:
            for variant in {c.name, *c.aliases}:
                bucket = self._by_name.setdefault(_name_key(variant), [])
                if c not in bucket:
                    bucket.append(c)
        self._choices = list(self._by_name)

    @classmethod
    def from_csv(cls, path: Path | str = GAZETTEER_CSV) -> Gazetteer:
        comuni = []
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                pop = row.get("population_census_2011") or ""
                comuni.append(
                    Comune(
                        istat_code=row["istat_code"],
                        name=row["name_it"] or row["name"],
                        province_abbr=row["province_abbr"],
                        region_name=row["region_name"],
                        lat=float(row["lat"]),
                        lon=float(row["lon"]),
                        population=int(pop) if pop else None,
                        aliases=(row["name"], *(part.strip() for part in row["name"].split("/"))),
                    )
                )
        return cls(comuni)

    def __len__(self) -> int:
        return len(self.by_code)

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def get(self, code: str) -> Comune | None:
        return self.by_code.get(code)

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        key = _name_key(query)
        if not key:
            return []
        hits = process.extract(key, self._choices, scorer=fuzz.WRatio, limit=limit * 3)
        out: list[str] = []
        for choice, score, _ in hits:
            if score < 60:
                continue
            for c in self._by_name[choice]:
                label = f"{c.name} ({c.province_abbr}, {c.istat_code})"
                if label not in out:
                    out.append(label)
        return out[:limit]

    def autocomplete(self, query: str, limit: int = 10) -> list[Comune]:
        """Comuni whose name starts with ``query`` (largest first), then close spellings."""
        key = _name_key(query)
        if not key:
            return []
        prefix = [c for name, bucket in self._by_name.items() if name.startswith(key) for c in bucket]
        # a whole name typed in full comes first (all its homonyms), then the largest comuni
        exact = self._by_name.get(key, [])
        prefix.sort(key=lambda c: (c not in exact, -(c.population or 0), c.name))
        out = list(dict.fromkeys(prefix))[:limit]
        if not out:  # a typo: fall back to close spellings of whole names
            for choice, _score, _ in process.extract(key, self._choices, scorer=fuzz.ratio, limit=limit, score_cutoff=75):
                out += [c for c in self._by_name[choice] if c not in out]
            out = out[:limit]
        return out

    def resolve(self, query: str | int, prefer_provinces: frozenset[str] | None = None, field: str = "comune") -> Comune:
        """Find a comune by ISTAT code or name; raise ``UnknownComuneError`` with suggestions."""
        text = str(query).strip()
        if not text:
            raise UnknownComuneError(text, [], field, reason="comune is empty")
        if text.isdigit():
            code = text.zfill(6)
            if code in self.by_code and len(text) <= 6:
                return self.by_code[code]
            raise UnknownComuneError(text, [], field, reason=f"unknown ISTAT code '{text}' (6 digits expected, e.g. 016218)")
        province = None
        m = _PROVINCE_SUFFIX.match(_name_key(text))
        key = _name_key(text)
        if m:
            key, province = m.group(1), m.group(2).upper()
        candidates = self._by_name.get(key, [])
        if province:
            candidates = [c for c in candidates if c.province_abbr == province]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            if prefer_provinces:
                preferred = [c for c in candidates if c.province_abbr in prefer_provinces]
                if len(preferred) == 1:
                    return preferred[0]
            options = [f"{c.name} ({c.province_abbr}, {c.istat_code})" for c in candidates]
            raise UnknownComuneError(
                text, options, field,
                reason=f"ambiguous comune '{text}': give the ISTAT code or the province, one of {', '.join(options)}",
            )
        raise UnknownComuneError(text, self.suggest(text), field)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    return Gazetteer.from_csv()
