"""From counts to a protected report: the tables, their suppression and the final check.

``build_report`` is the only way to a ``InsightsReport``: it builds the tables from the
exact counts (small units merged first), applies the k-threshold and runs
``check_k_anonymous`` on the result, so a report object in memory is already safe to
publish. The CLI, the API and the notebook all go through it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from recommender.gazetteer import Gazetteer, default_gazetteer
from recommender.insights.aggregate import Counts
from recommender.insights.disclosure import (
    DEFAULT_K,
    apply_k_threshold,
    check_k_anonymous,
    merge_small,
    small_mark,
)
from recommender.insights.records import AGE_BANDS
from recommender.insights.supply import Supply
from recommender.insights.tables import (
    ALL_AREAS,
    ALL_NEEDS,
    OTHER_HOUSEHOLDS,
    OTHER_PROVINCES,
    SPECS,
    other_comuni,
)
from recommender.needs import NEED_CODES, label_it

SCHEMA = "welfare-match/insights/1"
POOLED_LABEL = "tutti i bisogni"


@dataclass(frozen=True)
class InsightsReport:
    """A protected insights output: provenance, the disclosure statement and the tables."""

    provenance: dict
    disclosure: dict
    tables: dict[str, list[dict]]

    @property
    def k(self) -> int:
        return self.disclosure["k"]

    def to_json(self) -> dict:
        return {"schema": SCHEMA, "provenance": self.provenance, "disclosure": self.disclosure, "tables": self.tables}


@dataclass
class _Merges:
    groups: list[dict]
    notes: list[str]


def _territory_rows(counts: Counts, k: int, supply: Supply | None, gaz: Gazetteer, merges: _Merges) -> list[dict]:
    by_province: dict[str, dict[str, int]] = defaultdict(dict)
    for comune, n in counts.intakes.items():
        by_province[counts.province[comune]][comune] = n
    province_population: dict[str, int] = defaultdict(int)
    for c in gaz.by_code.values():
        province_population[c.province_abbr] += c.population or 0
    rows: list[dict] = []

    def add(level: str, area: str, name: str, province: str, parent: str, comuni: list[str]) -> None:
        intakes = sum(counts.intakes[c] for c in comuni)
        single = level == "comune" and area in gaz.by_code  # a comune, not a group of them
        if single:
            population = gaz.by_code[area].population
        elif level == "provincia" and area != OTHER_PROVINCES:
            population = province_population[area] or None
        else:
            population = None  # the population of a group of merged comuni would tell which ones
        for need in NEED_CODES:
            detected = sum(counts.detected[c, need] for c in comuni)
            rows.append({
                "level": level, "area": area, "name": name, "province": province, "parent": parent,
                "need": need, "need_label": label_it(need), "intakes": intakes, "detected": detected,
                "hidden": sum(counts.hidden[c, need] for c in comuni), "unmet": sum(counts.unmet[c, need] for c in comuni),
                "population": population,
                "services": supply.count(area, need) if single and supply is not None else None,
                "supply_per_10k": supply.per_10k(area, need) if single and supply is not None else None,
            })
        rows.append({
            "level": level, "area": area, "name": name, "province": province, "parent": parent,
            "need": ALL_NEEDS, "need_label": POOLED_LABEL, "intakes": intakes,
            "detected": sum(counts.detected[c, n] for c in comuni for n in NEED_CODES), "hidden": None,
            "unmet": sum(counts.unmet[c, n] for c in comuni for n in NEED_CODES),
            "population": population, "services": None, "supply_per_10k": None,
        })

    if counts.total < k:
        return rows
    add("totale", ALL_AREAS, "totale", "", "", list(counts.intakes))
    top = merge_small({p: sum(cs.values()) for p, cs in by_province.items()}, k)
    for province in top.published:
        comuni = by_province[province]
        add("provincia", province, f"provincia {province}", province, ALL_AREAS, sorted(comuni))
        split = merge_small(comuni, k)
        if not split.published:
            merges.notes.append(f"provincia {province}: nessun comune con almeno {k} richieste, pubblicata solo la provincia")
            continue
        for comune in split.published:
            add("comune", comune, gaz.by_code[comune].name, province, province, [comune])
        if split.merged:
            add("comune", other_comuni(province), other_comuni(province), province, province, split.merged)
            merges.groups.append({"group": other_comuni(province), "level": "comune", "units": len(split.merged)})
    if top.merged and top.published:
        add("provincia", OTHER_PROVINCES, OTHER_PROVINCES, "", ALL_AREAS, sorted(c for p in top.merged for c in by_province[p]))
        merges.groups.append({"group": OTHER_PROVINCES, "level": "provincia", "units": len(top.merged)})
    elif top.merged:
        merges.notes.append(f"nessuna provincia con almeno {k} richieste: pubblicato solo il totale")
    return rows


def _household_rows(counts: Counts, k: int, merges: _Merges) -> list[dict]:
    if counts.total < k:
        return []
    split = merge_small(dict(counts.household), k)
    if not split.published:
        merges.notes.append(f"nessuna tipologia di nucleo con almeno {k} richieste: tabella per nucleo non pubblicata")
        return []
    groups = [(t, [t]) for t in split.published]
    if split.merged:
        groups.append((OTHER_HOUSEHOLDS, split.merged))
        merges.groups.append({"group": OTHER_HOUSEHOLDS, "level": "nucleo", "units": len(split.merged)})
    return [
        {
            "household_type": label, "need": need, "need_label": label_it(need),
            "intakes": sum(counts.household[t] for t in types),
            "hidden": sum(counts.household_hidden[t, need] for t in types),
        }
        for label, types in groups
        for need in NEED_CODES
    ]


def _age_rows(counts: Counts, k: int) -> list[dict]:
    if counts.total < k:
        return []
    return [
        {"age_band": band, "need": need, "need_label": label_it(need), "intakes": counts.age[band], "hidden": counts.age_hidden[band, need]}
        for band in AGE_BANDS
        if counts.age[band] > 0
        for need in NEED_CODES
    ]


def _cooccurrence_rows(counts: Counts, k: int) -> list[dict]:
    if counts.total < k:
        return []
    return [
        {
            "stated_need": s, "stated_label": label_it(s), "hidden_need": h, "hidden_label": label_it(h),
            "stating": counts.stated[s], "with_hidden": counts.cooccurrence[s, h],
        }
        for s in NEED_CODES
        if counts.stated[s] > 0
        for h in NEED_CODES
        if h != s
    ]


def _supply_rows(supply: Supply | None, comuni: list[str], gaz: Gazetteer) -> list[dict]:
    if supply is None:
        return []
    return [
        {
            "area": code, "name": gaz.by_code[code].name, "province": gaz.by_code[code].province_abbr,
            "need": need, "need_label": label_it(need), "population": supply.population.get(code),
            "services": supply.count(code, need), "supply_per_10k": supply.per_10k(code, need),
        }
        for code in comuni
        for need in NEED_CODES
    ]


def _with_share_columns(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Rows with every column of their table, in the table's order."""
    return {name: [{col: row.get(col) for col in SPECS[name].columns} for row in rows] for name, rows in tables.items()}


RULES = [
    "Ogni conteggio di richieste tra 1 e k-1 è pubblicato solo come '<k', senza valore, quota né intervallo.",
    "Un conteggio il cui complemento nella stessa riga è tra 1 e k-1 (ad es. 95 richieste su 96) è soppresso ('c').",
    "Comuni, province e tipologie di nucleo con meno di k richieste non sono mostrati da soli: sono riuniti in "
    "'altri comuni (PROV)', 'altre province', 'altre tipologie'; se il gruppo resta sotto k vi si aggiungono le unità più piccole.",
    "Soppressione secondaria ('c'): nessun conteggio soppresso si può ricavare per differenza da un totale pubblicato "
    "(per territorio, tra bisogni e tra tabelle); un totale pubblicato ha zero o almeno due parti soppresse, con somma non inferiore a k.",
    "Fasce d'età con meno di k richieste: conteggi pubblicati come '<k'.",
    "Nessun identificativo, nota, evidenza o dato individuale compare nell'output; il controllo check_k_anonymous "
    "verifica ogni numero pubblicato prima della scrittura.",
]


def build_report(
    counts: Counts,
    k: int = DEFAULT_K,
    supply: Supply | None = None,
    supply_comuni: list[str] | None = None,
    provenance: dict | None = None,
    gazetteer: Gazetteer | None = None,
) -> InsightsReport:
    """The protected, checked report of ``counts``.

    ``supply`` gives the services within reach of each comune; the supply table lists
    ``supply_comuni`` (the comuni of the territory), the territory table the comuni shown.
    ``provenance`` is merged into the report's provenance (source, catalogue, period...).
    """
    gaz = gazetteer or default_gazetteer()
    merges = _Merges([], [])
    raw = {
        "territory": _territory_rows(counts, k, supply, gaz, merges),
        "household_type": _household_rows(counts, k, merges),
        "age_band": _age_rows(counts, k),
        "cooccurrence": _cooccurrence_rows(counts, k),
    }
    tables, suppression = apply_k_threshold(_with_share_columns(raw), k)
    tables["supply"] = _with_share_columns({"supply": _supply_rows(supply, supply_comuni or [], gaz)})["supply"]
    statements = list(merges.notes)
    if counts.total < k:
        statements.insert(0, f"meno di {k} richieste in totale: nessuna tabella sulle richieste è pubblicata")
    small_bands = [r["age_band"] for r in tables["age_band"] if r["need"] == NEED_CODES[0] and r["intakes"] == small_mark(k)]
    disclosure = {
        "k": k,
        "rules": RULES,
        "cells": suppression.to_json(),
        "merged": merges.groups,
        "suppressed_rows": [{"table": "age_band", "age_band": b, "reason": f"meno di {k} richieste"} for b in small_bands],
        "statements": statements,
    }
    prov = {
        "source": None, "catalogue": None, "tenant": None, "period": None, "as_of": None, "territory": None,
        **(provenance or {}),
        "k": k,
        "intakes": counts.total if not 1 <= counts.total < k else small_mark(k),
        "unresolved_needs": counts.unresolved if not 1 <= counts.unresolved < k else small_mark(k),
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    report = InsightsReport(prov, disclosure, tables)
    check_k_anonymous(report.to_json(), k)
    return report
