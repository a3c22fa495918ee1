"""The published tables: their columns and the arithmetic identities between their counts.

Every table is a list of rows (plain dicts, exactly what is written to JSON and CSV). A
column has one role:

- *dimension*: what the row is about (territory, need, household type...), from a closed
  vocabulary the disclosure check verifies;
- *count*: a number of intakes (or of intake-need pairs): the cells the k-threshold protects;
- *share*: a count over another, with its Wilson 95% interval: published only when both
  counts are;
- *public*: numbers about services and population, which describe no person.

``relations_of`` lists the identities a reader can use to derive one count from others:
"detected >= hidden" within a row (so detected - hidden, the stated ones, is a count too),
"a province is the sum of its comuni", "a need's total over household types is the
territory's total"... Suppression (``disclosure.apply_k_threshold``) and the check
(``disclosure.check_k_anonymous``) both work on these identities, so a table cannot be
added without saying how its numbers relate to the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

# --- columns ---------------------------------------------------------------------------

ALL_NEEDS = "tutti"  # the need column of the rows that pool every need
ALL_AREAS = "tutti"  # the area of the territory's total row
OTHER_PROVINCES = "altre province"
OTHER_HOUSEHOLDS = "altre tipologie"
LEVELS = ("totale", "provincia", "comune")


def other_comuni(province: str) -> str:
    return f"altri comuni ({province})"


@dataclass(frozen=True)
class Share:
    name: str
    numerator: str
    denominator: str

    @property
    def columns(self) -> tuple[str, str, str]:
        return (self.name, f"{self.name}_ci_low", f"{self.name}_ci_high")


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    dimensions: tuple[str, ...]
    counts: tuple[str, ...]
    shares: tuple[Share, ...] = ()
    public: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.dimensions + self.counts + tuple(c for s in self.shares for c in s.columns) + self.public


TERRITORY = TableSpec(
    "territory",
    "Bisogni per territorio: emersi (nascosti) e non coperti",
    dimensions=("level", "area", "name", "province", "parent", "need", "need_label"),
    counts=("intakes", "detected", "hidden", "unmet"),
    shares=(Share("hidden_share", "hidden", "intakes"), Share("unmet_share", "unmet", "detected")),
    public=("population", "services", "supply_per_10k"),
)
HOUSEHOLD = TableSpec(
    "household_type",
    "Bisogni emersi per tipologia di nucleo",
    dimensions=("household_type", "need", "need_label"),
    counts=("intakes", "hidden"),
    shares=(Share("hidden_share", "hidden", "intakes"),),
)
AGE_BAND = TableSpec(
    "age_band",
    "Bisogni emersi per fascia d'età (una richiesta conta in ogni fascia presente nel nucleo)",
    dimensions=("age_band", "need", "need_label"),
    counts=("intakes", "hidden"),
    shares=(Share("hidden_share", "hidden", "intakes"),),
)
COOCCURRENCE = TableSpec(
    "cooccurrence",
    "Bisogni emersi insieme a quelli espressi",
    dimensions=("stated_need", "stated_label", "hidden_need", "hidden_label"),
    counts=("stating", "with_hidden"),
    shares=(Share("share", "with_hidden", "stating"),),
)
SUPPLY = TableSpec(
    "supply",
    "Offerta per comune e bisogno (servizi di qualità raggiungibili ogni 10.000 abitanti)",
    dimensions=("area", "name", "province", "need", "need_label"),
    counts=(),
    public=("population", "services", "supply_per_10k"),
)
SPECS: dict[str, TableSpec] = {s.name: s for s in (TERRITORY, HOUSEHOLD, AGE_BAND, COOCCURRENCE, SUPPLY)}


# --- identities ------------------------------------------------------------------------

CellId = tuple[Hashable, ...]


@dataclass
class Relations:
    """The counts of a set of tables and what links them.

    ``cells``: every count, by id (one id may appear in several rows: the number of
    intakes stating a need repeats on every co-occurrence row of that need).
    ``subsets``: (superset, subset) pairs: the subset is part of the superset, so their
    difference is a count as well.
    ``sums``: (total, parts): the parts add up to the total, so one part can be derived
    from the total and the other parts.
    ``where``: for each cell, the (table, row index, column) places it is published.
    """

    cells: dict[CellId, object] = field(default_factory=dict)
    subsets: list[tuple[CellId, CellId]] = field(default_factory=list)
    sums: list[tuple[CellId, tuple[CellId, ...]]] = field(default_factory=list)
    where: dict[CellId, list[tuple[str, int, str]]] = field(default_factory=lambda: defaultdict(list))

    def add_cell(self, cell: CellId, value: object, table: str, index: int, column: str) -> None:
        if cell in self.cells and self.cells[cell] != value:
            raise ValueError(f"cell {cell} is published with two values ({self.cells[cell]!r} and {value!r})")
        self.cells[cell] = value
        self.where[cell].append((table, index, column))


def _territory_cell(row: Mapping, column: str) -> CellId:
    return ("territory", row["area"], row["need"], column)


def relations_of(tables: Mapping[str, list[dict]]) -> Relations:
    """The cells and identities of ``tables`` (rows may hold numbers or suppression marks)."""
    rel = Relations()
    territory = tables.get("territory", [])
    for i, row in enumerate(territory):
        pooled = row["need"] == ALL_NEEDS
        for column in TERRITORY.counts:
            if row.get(column) is not None:
                rel.add_cell(_territory_cell(row, column), row[column], "territory", i, column)
        # Every pair, not only the adjacent ones: with detected suppressed, intakes - hidden
        # is still there to compute from the two published numbers.
        pairs = [("detected", "unmet")]
        if not pooled:  # a need's detected intakes are intakes; the pooled row counts (intake, need) pairs
            pairs += [("intakes", "detected"), ("intakes", "hidden"), ("intakes", "unmet"), ("detected", "hidden")]
        rel.subsets += [(_territory_cell(row, a), _territory_cell(row, b)) for a, b in pairs]
    # Along the territory: a total is the sum of its areas (published areas and the
    # "altri comuni" / "altre province" groups partition it by construction).
    children: dict[tuple, list[dict]] = defaultdict(list)
    for row in territory:
        if row["parent"]:
            children[(row["parent"], row["need"])].append(row)
    for row in territory:
        parts = children.get((row["area"], row["need"]))
        if parts:
            for column in TERRITORY.counts:
                if row.get(column) is not None:
                    rel.sums.append((_territory_cell(row, column), tuple(_territory_cell(p, column) for p in parts)))
    # Along the needs: the pooled row of an area sums its needs' detected and unmet pairs.
    by_area: dict[str, list[dict]] = defaultdict(list)
    for row in territory:
        if row["need"] != ALL_NEEDS:
            by_area[row["area"]].append(row)
    for row in territory:
        if row["need"] == ALL_NEEDS and by_area.get(row["area"]):
            for column in ("detected", "unmet"):
                rel.sums.append((_territory_cell(row, column), tuple(_territory_cell(p, column) for p in by_area[row["area"]])))

    # Household types partition the intakes: per need, they add up to the territory's total.
    household = tables.get("household_type", [])
    per_need: dict[str, list[CellId]] = defaultdict(list)
    for i, row in enumerate(household):
        for column in HOUSEHOLD.counts:
            rel.add_cell(("household_type", row["household_type"], row["need"], column), row[column], "household_type", i, column)
        rel.subsets.append((("household_type", row["household_type"], row["need"], "intakes"), ("household_type", row["household_type"], row["need"], "hidden")))
        per_need[row["need"]].append(row["household_type"])
    for need, types in per_need.items():
        for column in HOUSEHOLD.counts:
            total = ("territory", ALL_AREAS, need, column)
            if total in rel.cells:
                rel.sums.append((total, tuple(("household_type", t, need, column) for t in types)))

    # Age bands overlap (an intake counts in every band of its household): no sum holds.
    for i, row in enumerate(tables.get("age_band", [])):
        for column in AGE_BAND.counts:
            rel.add_cell(("age_band", row["age_band"], row["need"], column), row[column], "age_band", i, column)
        rel.subsets.append((("age_band", row["age_band"], row["need"], "intakes"), ("age_band", row["age_band"], row["need"], "hidden")))
        # A band's intakes are part of all intakes: "20 in all, 19 with an 80+ member" tells 1.
        for column in AGE_BAND.counts:
            rel.subsets.append((("territory", ALL_AREAS, row["need"], column), ("age_band", row["age_band"], row["need"], column)))

    # Co-occurrence: intakes stating S (one cell, repeated on every row of S) and, among
    # them, those where H surfaced. Stating S and S surfacing partition S's detected intakes.
    stated_seen: set[str] = set()
    for i, row in enumerate(tables.get("cooccurrence", [])):
        s, h = row["stated_need"], row["hidden_need"]
        rel.add_cell(("stated", s), row["stating"], "cooccurrence", i, "stating")
        rel.add_cell(("cooccurrence", s, h), row["with_hidden"], "cooccurrence", i, "with_hidden")
        rel.subsets.append((("stated", s), ("cooccurrence", s, h)))
        # Intakes where H surfaced beside S are part of all intakes where H surfaced, and the
        # intakes stating S are part of all intakes: either difference could be 1..k-1.
        rel.subsets.append((("territory", ALL_AREAS, h, "hidden"), ("cooccurrence", s, h)))
        rel.subsets.append((("territory", ALL_AREAS, ALL_NEEDS, "intakes"), ("stated", s)))
        rel.subsets.append((("territory", ALL_AREAS, s, "intakes"), ("stated", s)))
        if s not in stated_seen:
            stated_seen.add(s)
            rel.sums.append((("territory", ALL_AREAS, s, "detected"), (("stated", s), ("territory", ALL_AREAS, s, "hidden"))))
    return rel
