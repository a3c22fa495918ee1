"""Statistical disclosure control: no published number lets a reader single out a person.

Three steps, each a function with tests:

1. ``merge_small`` (before any table is built): a comune, province or household type with
   fewer than k intakes is not shown on its own but merged into a group ("altri comuni
   (BG)", "altre province", "altre tipologie"); if that group is still under k, the
   smallest shown units join it until it reaches k, so the group can always be published
   and "province minus the comuni shown" is never a small number.
2. ``apply_k_threshold``: every count in 1..k-1 is published only as "<k", with no share
   and no interval (*primary* suppression); so is a count whose complement within its row
   is in 1..k-1 (95 of 96 intakes with a need tells about the one without). Then, until
   nothing changes, the identities between counts (``tables.relations_of``: within a row,
   along the territory, across needs, across tables) are closed: a total that is shown
   must not let a hidden part be computed (at least two parts hidden, and their sum not
   in 1..k-1), a hidden total must not be the sum of parts all shown, a part of a hidden
   count is hidden too (*secondary* suppression, marked "c").
3. ``check_k_anonymous``: an independent scan of a finished output (JSON as written, the
   source of the CSVs and the maps) that raises ``DisclosureError`` if any published count
   is in 1..k-1, if any identity gives one away, if a share is shown for a hidden count,
   or if a field that could carry an identifier or notes is present. The CLI, the API and
   the notebook call it before anything leaves the process.

What this does *not* protect against is written in docs/insights.md: linking with outside
knowledge, bounds from several identities at once, and differencing across reports over
different periods or territories.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from recommender.gazetteer import default_gazetteer
from recommender.insights.intervals import wilson
from recommender.insights.records import AGE_BANDS, HOUSEHOLD_TYPES
from recommender.insights.tables import (
    ALL_AREAS,
    ALL_NEEDS,
    LEVELS,
    OTHER_HOUSEHOLDS,
    OTHER_PROVINCES,
    SPECS,
    CellId,
    Relations,
    other_comuni,
    relations_of,
)
from recommender.needs import NEED_BY_CODE, label_it

SUPPRESSED = "c"  # hidden so that a small count cannot be derived
DEFAULT_K = 10
MIN_K = 5  # below this a threshold protects nothing any statistical office would accept
SHARE_DIGITS = 4

# Keys that could carry an identifier, the notes or a person's details: never in an output.
FORBIDDEN_KEYS = frozenset({
    "id", "intake_id", "intake_ref", "match_id", "notes", "note", "evidence", "explanation", "intake",
    "household", "age", "ages", "isee", "funding", "needs", "results", "created_by", "user", "username",
    "comment", "tenant_id", "service_id", "email", "name_person",
})
TOP_KEYS = frozenset({"schema", "provenance", "disclosure", "tables"})
PROVENANCE_KEYS = frozenset({
    "source", "catalogue", "tenant", "period", "as_of", "territory", "k", "intakes", "unresolved_needs", "generated_at", "engine",
})
PROVENANCE_COUNTS = ("intakes", "unresolved_needs")
DISCLOSURE_KEYS = frozenset({"k", "rules", "cells", "merged", "suppressed_rows", "statements"})


class DisclosureError(ValueError):
    """An output would publish something that can single out a person."""


def small_mark(k: int) -> str:
    return f"<{k}"


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _small(v: int, k: int) -> bool:
    return 1 <= v < k


# --- 1. merging small units ---------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    published: list[str]  # units shown on their own (each with k or more intakes)
    merged: list[str]  # units shown only inside the group
    group: int  # intakes of the group (0 when nothing is merged)


def merge_small(units: Mapping[str, int], k: int) -> Merge:
    """Split units (comuni of a province, provinces, household types) into those shown on
    their own and those merged into one group of at least k intakes.

    The group also takes the smallest shown units when it would otherwise stay under k:
    a published total minus the units shown must never be a small count. When every unit
    ends up in the group, the group is the parent itself (and the caller shows only the
    parent); when the units add up to less than k, so does the parent.
    """
    counts = {u: n for u, n in units.items() if n > 0}
    merged = [u for u, n in counts.items() if n < k]
    shown = sorted((u for u, n in counts.items() if n >= k), key=lambda u: (counts[u], u))
    group = sum(counts[u] for u in merged)
    while 0 < group < k and shown:
        u = shown.pop(0)
        merged.append(u)
        group += counts[u]
    return Merge(sorted(shown), sorted(merged), group)


# --- 2. suppression -----------------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    """A cell, or the difference of a (superset, subset) pair of cells, as the rules see it."""

    value: Callable[[object], int]
    masked: Callable[[object], bool]
    mask: Callable[[object, str], bool]


def complement_sums(pairs: list[tuple[CellId, CellId]], sums: list[tuple[CellId, tuple[CellId, ...]]]) -> list[tuple[tuple, tuple]]:
    """Sums that hold between differences: when A = sum(a_i) and B = sum(b_i) with B part of
    A and each b_i part of a_i, then A - B = sum(a_i - b_i) (e.g. the stated intakes of a
    province are the sum of its comuni's)."""
    pairset = set(pairs)
    by_parent: dict[CellId, list[tuple[CellId, ...]]] = {}
    for parent, parts in sums:
        by_parent.setdefault(parent, []).append(parts)
    out = []
    for a, b in pairs:
        for parts_a in by_parent.get(a, ()):
            for parts_b in by_parent.get(b, ()):
                if len(parts_a) == len(parts_b) and all((pa, pb) in pairset for pa, pb in zip(parts_a, parts_b)):
                    out.append(((a, b), tuple(zip(parts_a, parts_b))))
    return out


def _close_sum(parent, parts, view: _View, k: int) -> bool:
    """Make one identity ``parent = sum(parts)`` safe; True if a cell was hidden."""
    if not parts:
        return False
    hidden = [p for p in parts if view.masked(p)]
    shown = [p for p in parts if not view.masked(p)]
    if view.masked(parent):
        # A hidden total must not be the sum of parts that are all shown.
        if hidden:
            return False
        return view.mask(min(shown, key=lambda p: (view.value(p), repr(p))), "secondary")
    if not hidden:
        return False
    rest = view.value(parent) - sum(view.value(p) for p in shown)  # what the hidden parts add up to
    if len(hidden) >= 2 and not _small(rest, k):
        return False
    if shown:
        # Hide the part that makes the hidden sum safe at the least cost: the smallest one
        # that lifts it to k, else the largest.
        lifting = [p for p in shown if not _small(rest + view.value(p), k)]
        choice = min(lifting, key=lambda p: (view.value(p), repr(p))) if lifting else max(shown, key=lambda p: (view.value(p), repr(p)))
        return view.mask(choice, "secondary")
    return view.mask(parent, "secondary")


def suppress(rel: Relations, k: int) -> dict[CellId, str]:
    """The cells to hide, with the reason: "small" (1..k-1), "complement" (its complement
    in the row is 1..k-1), "secondary" (to close an identity), "inherited" (part of a
    hidden count)."""
    values = {c: v for c, v in rel.cells.items() if _is_count(v)}
    pairs = [(a, b) for a, b in rel.subsets if a in values and b in values]
    sums = [(p, parts) for p, parts in rel.sums if p in values and all(q in values for q in parts)]
    comp_sums = complement_sums(pairs, sums)
    hidden: dict[CellId, str] = {}

    def mask(cell: CellId, why: str) -> bool:
        if cell in hidden:
            return False
        hidden[cell] = why
        return True

    cells = _View(values.__getitem__, hidden.__contains__, mask)
    diffs = _View(
        lambda ab: values[ab[0]] - values[ab[1]],
        lambda ab: ab[0] in hidden or ab[1] in hidden,
        lambda ab, why: mask(ab[1], why),  # a difference is hidden by hiding its subset
    )
    for cell, v in values.items():
        if _small(v, k):
            mask(cell, "small")
    for a, b in pairs:
        if _small(values[a] - values[b], k):
            mask(b, "complement")
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            if a in hidden:
                changed |= mask(b, "inherited")
        for parent, parts in sums:
            changed |= _close_sum(parent, parts, cells, k)
        for parent, parts in comp_sums:
            changed |= _close_sum(parent, parts, diffs, k)
    return hidden


def _marks(value: int, k: int) -> str:
    return small_mark(k) if _small(value, k) else SUPPRESSED


def fill_shares(tables: dict[str, list[dict]]) -> None:
    """Shares and Wilson intervals, only where numerator and denominator are both shown."""
    for name, rows in tables.items():
        for row in rows:
            for share in SPECS[name].shares:
                num, den = row.get(share.numerator), row.get(share.denominator)
                col, lo, hi = share.columns
                if _is_count(num) and _is_count(den) and den > 0 and num <= den:
                    low, high = wilson(num, den)
                    row[col], row[lo], row[hi] = round(num / den, SHARE_DIGITS), round(low, SHARE_DIGITS), round(high, SHARE_DIGITS)
                else:
                    row[col] = row[lo] = row[hi] = None


@dataclass(frozen=True)
class Suppression:
    cells: int
    published: int
    below_k: int  # shown as "<k"
    suppressed: int  # shown as "c"

    def to_json(self) -> dict:
        return {"total": self.cells, "published": self.published, "below_k": self.below_k, "suppressed_to_protect": self.suppressed}


def apply_k_threshold(tables: dict[str, list[dict]], k: int) -> tuple[dict[str, list[dict]], Suppression]:
    """Protected copies of ``tables`` (rows of exact counts; rows already merged with
    ``merge_small``): hidden cells replaced by "<k" or "c", shares and intervals filled in
    only for shown counts."""
    if k < 2:
        raise ValueError("k must be at least 2")
    out = {name: [dict(row) for row in rows] for name, rows in tables.items()}
    rel = relations_of(out)
    hidden = suppress(rel, k)
    below = 0
    for cell, _why in hidden.items():
        value = rel.cells[cell]
        below += _small(value, k)
        for table, index, column in rel.where[cell]:
            out[table][index][column] = _marks(value, k)
    fill_shares(out)
    return out, Suppression(len(rel.cells), len(rel.cells) - len(hidden), below, len(hidden) - below)


# --- 3. the check -------------------------------------------------------------------------


def _fail(where: str, what: str) -> None:
    raise DisclosureError(f"{where}: {what}")


def _scan_keys(obj: object, path: str) -> None:
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                _fail(path, f"non-text key {key!r}")
            if key.lower() in FORBIDDEN_KEYS:
                _fail(f"{path}.{key}", "a field that could carry an identifier, the notes or a person's details")
            _scan_keys(value, f"{path}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            _scan_keys(value, f"{path}[{i}]")


def _check_count(value: object, k: int, where: str, optional: bool = False) -> None:
    if value is None and optional:
        return
    if _is_count(value):
        if value < 0:
            _fail(where, f"negative count {value}")
        if _small(value, k):
            _fail(where, f"count {value} is below k={k}")
        return
    if value not in (small_mark(k), SUPPRESSED):
        _fail(where, f"{value!r} is neither a count nor a suppression mark ('{small_mark(k)}', '{SUPPRESSED}')")


def _check_dimensions(name: str, row: dict, where: str) -> None:
    gaz = default_gazetteer()

    def need(code: str, label: str, pooled: bool = False) -> None:
        if pooled and code == ALL_NEEDS:
            if label != "tutti i bisogni":
                _fail(where, f"label {label!r} of the pooled needs")
            return
        if code not in NEED_BY_CODE:
            _fail(where, f"unknown need {code!r}")
        if label != label_it(code):
            _fail(where, f"label {label!r} is not the label of {code}")

    if name == "territory":
        level, area, province, parent = row["level"], row["area"], row["province"], row["parent"]
        need(row["need"], row["need_label"], pooled=True)
        if level not in LEVELS:
            _fail(where, f"unknown level {level!r}")
        if level == "totale":
            ok = area == ALL_AREAS and row["name"] == "totale" and province == "" and parent == ""
        elif level == "provincia":
            ok = parent == ALL_AREAS and (
                (area == OTHER_PROVINCES and row["name"] == OTHER_PROVINCES and province == "")
                or (area == province and row["name"] == f"provincia {area}" and any(c.province_abbr == area for c in gaz.by_code.values()))
            )
        else:
            comune = gaz.get(area)
            ok = parent == province and (
                (comune is not None and comune.province_abbr == province and row["name"] == comune.name)
                or (area == other_comuni(province) and row["name"] == area)
            )
        if not ok:
            _fail(where, f"territory columns {level!r}/{area!r}/{row['name']!r}/{province!r}/{parent!r} are not a known area")
        single = level == "comune" and gaz.get(area) is not None
        # The population of a group of merged comuni would tell which comuni it holds.
        if not single and not (level == "provincia" and area != OTHER_PROVINCES) and row["population"] is not None:
            _fail(f"{where}.population", f"a population for the group {area!r}")
        if not single and (row["services"] is not None or row["supply_per_10k"] is not None):
            _fail(f"{where}.services", f"supply is given for comuni only, not for {area!r}")
    elif name == "household_type":
        need(row["need"], row["need_label"])
        if row["household_type"] not in HOUSEHOLD_TYPES + (OTHER_HOUSEHOLDS,):
            _fail(where, f"unknown household type {row['household_type']!r}")
    elif name == "age_band":
        need(row["need"], row["need_label"])
        if row["age_band"] not in AGE_BANDS:
            _fail(where, f"unknown age band {row['age_band']!r}")
    elif name == "cooccurrence":
        need(row["stated_need"], row["stated_label"])
        need(row["hidden_need"], row["hidden_label"])
    elif name == "supply":
        need(row["need"], row["need_label"])
        comune = gaz.get(row["area"])
        if comune is None or comune.name != row["name"] or comune.province_abbr != row["province"]:
            _fail(where, f"unknown comune {row['area']!r}")


def _check_shares(name: str, row: dict, where: str) -> None:
    for share in SPECS[name].shares:
        num, den = row.get(share.numerator), row.get(share.denominator)
        col, lo, hi = share.columns
        shown = _is_count(num) and _is_count(den) and den > 0
        if not shown:
            if any(row.get(c) is not None for c in share.columns):
                _fail(f"{where}.{col}", f"a share is shown for a suppressed count ({share.numerator}={num!r}, {share.denominator}={den!r})")
            continue
        if num > den:
            _fail(where, f"{share.numerator} {num} exceeds {share.denominator} {den}")
        low, high = wilson(num, den)
        expected = (round(num / den, SHARE_DIGITS), round(low, SHARE_DIGITS), round(high, SHARE_DIGITS))
        got = tuple(row.get(c) for c in share.columns)
        if any(g is None or not math.isclose(g, e, abs_tol=1.5 * 10**-SHARE_DIGITS) for g, e in zip(got, expected)):
            _fail(f"{where}.{col}", f"share {got} is not {share.numerator}/{share.denominator} with its Wilson interval {expected}")


def _check_identities(rel: Relations, k: int) -> None:
    values = {c: v for c, v in rel.cells.items() if _is_count(v)}

    def shown(c: CellId) -> bool:
        return c in values

    def where(c: CellId) -> str:
        table, index, column = rel.where[c][0]
        return f"tables.{table}[{index}].{column}"

    pairs = [(a, b) for a, b in rel.subsets if a in rel.cells and b in rel.cells]
    for a, b in pairs:
        if shown(a) and shown(b):
            if values[b] > values[a]:
                _fail(where(b), f"{values[b]} exceeds {values[a]} ({where(a)}), of which it is a part")
            if _small(values[a] - values[b], k):
                _fail(where(b), f"its complement {values[a]} - {values[b]} = {values[a] - values[b]} ({where(a)}) is below k={k}")
        elif not shown(a) and shown(b):
            _fail(where(b), f"shown while {where(a)}, of which it is a part, is suppressed")
    sums = [(p, parts) for p, parts in rel.sums if p in rel.cells and all(q in rel.cells for q in parts)]
    checks: list[tuple[object, tuple, Callable[[object], bool], Callable[[object], int], Callable[[object], str]]] = [
        (p, parts, shown, values.get, where) for p, parts in sums
    ]
    for parent, parts in complement_sums(pairs, sums):
        checks.append((
            parent, parts, lambda ab: shown(ab[0]) and shown(ab[1]), lambda ab: values[ab[0]] - values[ab[1]], lambda ab: f"{where(ab[1])} (complement)",
        ))
    for parent, parts, is_shown, value, at in checks:
        hidden = [p for p in parts if not is_shown(p)]
        if not is_shown(parent):
            if parts and not hidden:
                _fail(at(parent), "suppressed, but it is the sum of parts that are all shown")
            continue
        rest = value(parent) - sum(value(p) for p in parts if is_shown(p))
        if not hidden:
            if rest != 0:
                _fail(at(parent), f"the parts add up to {value(parent) - rest}, not {value(parent)}")
        elif len(hidden) == 1:
            _fail(at(hidden[0]), f"suppressed, but it is {at(parent)} minus the other parts shown ({rest})")
        elif rest < 0 or _small(rest, k):
            _fail(at(parent), f"the suppressed parts add up to {rest} (published total minus the parts shown), below k={k}")


def check_k_anonymous(output: Mapping, k: int) -> None:
    """Raise ``DisclosureError`` unless every number ``output`` publishes is safe at ``k``.

    It checks the output as it will be written, independently of how it was built: the
    fields present, the vocabulary of every dimension, every count (0, k or more, or a
    suppression mark), every share against its counts, and every identity between counts
    (a suppressed count must not be computable from the shown ones)."""
    if not _is_count(k) or k < 2:
        _fail("k", f"{k!r} is not a threshold")
    _scan_keys(output, "output")
    if set(output) != TOP_KEYS:
        _fail("output", f"top-level fields {sorted(output)} (expected {sorted(TOP_KEYS)})")
    prov = output["provenance"]
    if not isinstance(prov, dict) or set(prov) - PROVENANCE_KEYS:
        _fail("provenance", f"unexpected fields {sorted(set(prov) - PROVENANCE_KEYS) if isinstance(prov, dict) else prov!r}")
    if prov.get("k") != k:
        _fail("provenance.k", f"{prov.get('k')!r} is not the threshold checked ({k})")
    for name in PROVENANCE_COUNTS:
        _check_count(prov.get(name), k, f"provenance.{name}", optional=True)
    disclosure = output["disclosure"]
    if not isinstance(disclosure, dict) or set(disclosure) - DISCLOSURE_KEYS or disclosure.get("k") != k:
        _fail("disclosure", "missing or unexpected fields, or another k")
    tables = output["tables"]
    if not isinstance(tables, dict) or set(tables) - set(SPECS):
        _fail("tables", f"unknown tables {sorted(set(tables) - set(SPECS)) if isinstance(tables, dict) else tables!r}")
    for name, rows in tables.items():
        spec = SPECS[name]
        for i, row in enumerate(rows):
            where = f"tables.{name}[{i}]"
            if not isinstance(row, dict) or set(row) != set(spec.columns):
                _fail(where, f"columns {sorted(row) if isinstance(row, dict) else row!r} (expected {sorted(spec.columns)})")
            _check_dimensions(name, row, where)
            for column in spec.counts:
                pooled_hidden = name == "territory" and column == "hidden" and row["need"] == ALL_NEEDS
                if pooled_hidden and row[column] is not None:
                    _fail(f"{where}.hidden", "the pooled row has no hidden count")
                _check_count(row[column], k, f"{where}.{column}", optional=pooled_hidden)
            for column in spec.public:
                if row[column] is not None and (isinstance(row[column], bool) or not isinstance(row[column], int | float)):
                    _fail(f"{where}.{column}", f"{row[column]!r} is not a number")
            _check_shares(name, row, where)
    try:
        rel = relations_of(tables)
    except ValueError as exc:  # one cell published with two values
        raise DisclosureError(str(exc)) from None
    _check_identities(rel, k)
