"""The intake form: read from the POSTed fields, validated by the contract's ``IntakeModel``
(the same model as ``POST /v1/match``, so the form cannot accept what the API refuses), with
Italian messages naming each bad field for the form re-rendered next to it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from starlette.datastructures import FormData

from recommender.catalogue import FUNDING_SOURCES
from recommender.gazetteer import Gazetteer, UnknownComuneError, default_gazetteer
from recommender.intake import DEFAULT_MAX_DISTANCE_KM, Intake, IntakeModel, resolve_intake
from recommender.needs import NEEDS

RELATIONS: dict[str, str] = {
    "self": "la persona stessa",
    "child": "figlio o figlia",
    "partner": "coniuge o partner",
    "parent": "genitore",
    "other": "altro familiare o convivente",
}
FUNDING_LABELS: dict[str, str] = {
    "company_welfare": "credito welfare aziendale",
    "municipal_voucher": "voucher del Comune",
    "solidarity_fund": "fondo di solidarietà",
    "private": "pagamento di tasca propria",
    "free": "nessuna spesa possibile: solo servizi gratuiti",
}
assert set(FUNDING_LABELS) == set(FUNDING_SOURCES)
NEED_CHOICES = [(n.code, n.label_it, n.description_it) for n in NEEDS]
MIN_HOUSEHOLD_ROWS = 3  # empty rows offered without JavaScript
MAX_HOUSEHOLD_ROWS = 30  # the contract's limit

FIELD_LABELS = {
    "ref": "Riferimento della pratica",
    "comune": "Comune",
    "notes": "Note del colloquio",
    "isee": "ISEE",
    "funding": "Come può pagare",
    "stated_needs": "Bisogni dichiarati",
    "max_distance_km": "Distanza massima",
    "household": "Persone del nucleo",
}
FIELD_ORDER = ["comune", "ref", "isee", "max_distance_km", "notes", "household", "funding", "stated_needs"]  # as on the page
_NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)?$")


@dataclass
class HouseholdRow:
    relation: str = ""
    age: str = ""
    disability: bool = False
    non_self_sufficient: bool = False

    @property
    def empty(self) -> bool:
        return not (self.relation or self.age.strip() or self.disability or self.non_self_sufficient)


@dataclass
class IntakeForm:
    """What the manager typed (to show it again) and the errors, by field id."""

    ref: str = ""
    comune: str = ""
    notes: str = ""
    isee: str = ""
    max_distance_km: str = ""
    funding: list[str] = field(default_factory=list)
    stated_needs: list[str] = field(default_factory=list)
    household: list[HouseholdRow] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    comune_suggestions: list[str] = field(default_factory=list)

    def rows_for_display(self) -> list[HouseholdRow]:
        rows = list(self.household)
        while len(rows) < MIN_HOUSEHOLD_ROWS:
            rows.append(HouseholdRow())
        return rows

    def error(self, field_id: str, message: str) -> None:
        self.errors.setdefault(field_id, message)

    def ordered_errors(self) -> list[tuple[str, str]]:
        """The errors in the order of the fields on the page, for the summary at the top."""

        def key(item: tuple[str, str]) -> tuple[int, int, bool]:
            fid = item[0]
            if fid.startswith("household-"):
                _, row, sub = fid.split("-", 2)
                return FIELD_ORDER.index("household"), int(row) if row.isdigit() else 0, sub != "relation"
            return (FIELD_ORDER.index(fid) if fid in FIELD_ORDER else len(FIELD_ORDER)), 0, False

        return sorted(self.errors.items(), key=key)


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    # a field sent as a file upload, or absent, is no text; cut what no field needs
    return value[:limit] if isinstance(value, str) else ""


def read_intake_form(form: FormData) -> IntakeForm:
    """The typed values, as text; nothing is judged yet."""
    out = IntakeForm(
        ref=_text(form, "ref", 1000).strip(),
        comune=_text(form, "comune", 1000).strip(),
        notes=_text(form, "notes", 100_000).replace("\r\n", "\n"),
        isee=_text(form, "isee", 100).strip(),
        max_distance_km=_text(form, "max_distance_km", 100).strip(),
        funding=[v for v in form.getlist("funding") if isinstance(v, str)][:20],
        stated_needs=[v for v in form.getlist("stated_needs") if isinstance(v, str)][:20],
    )
    indices = sorted({int(m.group(1)) for key in form.keys() if (m := re.fullmatch(r"household-(\d{1,3})-\w+", key))})
    for i in indices[:MAX_HOUSEHOLD_ROWS + 10]:
        row = HouseholdRow(
            relation=_text(form, f"household-{i}-relation", 50).strip(),
            age=_text(form, f"household-{i}-age", 50).strip(),
            disability=bool(_text(form, f"household-{i}-disability", 10)),
            non_self_sufficient=bool(_text(form, f"household-{i}-non_self_sufficient", 10)),
        )
        if not row.empty:
            out.household.append(row)
    return out


def parse_euro(text: str) -> float | None:
    """'8000', '8.000', '8.000,50', '8000,5', '€ 8 000' -> a number; ``None`` if not one."""
    t = text.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if not t:
        return None
    if "," in t:
        t = t.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", t):  # Italian thousands: 12.000
        t = t.replace(".", "")
    if not _NUMBER_RE.match(t):
        return None
    return float(t)


def _number(text: str) -> float | None:
    t = text.replace(" ", "")
    return float(t.replace(",", ".")) if _NUMBER_RE.match(t) else None


def new_ref(at: datetime) -> str:
    return f"scheda-{at:%Y%m%d-%H%M}-{secrets.token_hex(2)}"


def to_intake_dict(form: IntakeForm, now: datetime) -> dict:
    """The contract's JSON object for the form; type problems are recorded as form errors."""
    obj: dict = {"id": form.ref or new_ref(now), "comune": form.comune, "notes": form.notes, "stated_needs": form.stated_needs}
    if not form.comune:
        form.error("comune", "Comune: scrivi il comune in cui vive la persona.")
    if form.isee:
        isee = parse_euro(form.isee)
        if isee is None:
            form.error("isee", f"ISEE: «{form.isee}» non è un importo; scrivi la cifra in euro, ad esempio 8.500.")
        else:
            obj["isee"] = isee
    if form.max_distance_km:
        dist = _number(form.max_distance_km)
        if dist is None:
            form.error("max_distance_km", f"Distanza massima: «{form.max_distance_km}» non è un numero di chilometri.")
        else:
            obj["max_distance_km"] = dist
    if form.funding:
        obj["funding"] = form.funding
    if form.household:
        members = []
        for i, row in enumerate(form.household):
            member: dict = {"relation": row.relation or None, "disability": row.disability, "non_self_sufficient": row.non_self_sufficient}
            if not row.relation:
                form.error(f"household-{i}-relation", f"Persona {i + 1}: scegli chi è rispetto alla persona seguita.")
            if not row.age:
                form.error(f"household-{i}-age", f"Persona {i + 1}: indica l'età in anni.")
            elif not (row.age.isascii() and row.age.isdigit()):  # '²'.isdigit() is True, int('²') fails
                form.error(f"household-{i}-age", f"Persona {i + 1}: l'età «{row.age}» non è un numero intero di anni.")
            else:
                member["age"] = int(row.age)
            members.append(member)
        obj["household"] = members
    return obj


def _italian(loc: tuple, err: dict) -> tuple[str, str]:
    """(field id, Italian message naming the field) for one pydantic error."""
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    head = loc[0] if loc else ""
    if head == "household" and len(loc) >= 3 and isinstance(loc[1], int):
        i, sub = loc[1], str(loc[2])
        if sub == "age":
            return f"household-{i}-age", f"Persona {i + 1}: l'età deve essere un numero intero tra 0 e 120."
        if sub == "relation":
            return f"household-{i}-relation", f"Persona {i + 1}: scegli una voce dell'elenco."
        return f"household-{i}-relation", f"Persona {i + 1}: dato non valido."
    if head == "household":
        return "household", f"Persone del nucleo: al massimo {MAX_HOUSEHOLD_ROWS} persone."
    if head == "id":  # the contract's id is the form's reference field
        head = "ref"
    label = FIELD_LABELS.get(str(head), str(head))
    if head == "isee":
        return "isee", "ISEE: deve essere un importo tra 0 e 10.000.000 euro."
    if head == "max_distance_km":
        return "max_distance_km", "Distanza massima: deve essere più di 0 e al massimo 500 km."
    if head == "funding":
        return "funding", "Come può pagare: scegli tra le voci dell'elenco."
    if head == "stated_needs":
        return "stated_needs", "Bisogni dichiarati: scegli tra le voci dell'elenco."
    if kind == "value_error" and "NUL" in str(err.get("msg", "")):
        return str(head), f"{label}: contiene un carattere non valido (un carattere nullo, di solito incollato per errore); cancellalo e riprova."
    if kind == "string_too_long":
        return str(head), f"{label}: è troppo lungo (al massimo {ctx.get('max_length')} caratteri)."
    if kind == "string_too_short":
        return str(head), f"{label}: non può essere vuoto."
    return str(head), f"{label}: valore non valido."


def _comune_message(exc: UnknownComuneError) -> str:
    if "ambiguous" in str(exc.issues[0].reason):
        return f"Comune: ci sono più comuni chiamati «{exc.query}»; scegline uno dall'elenco qui sotto (il nome con la provincia)."
    if exc.suggestions:
        return f"Comune: «{exc.query}» non è un comune italiano; forse intendevi uno di quelli qui sotto."
    if exc.query.isdigit():
        return f"Comune: il codice ISTAT «{exc.query}» non esiste (sono 6 cifre, ad esempio 016218)."
    return f"Comune: «{exc.query}» non è un comune italiano; controlla come è scritto."


def _suggestion_labels(exc: UnknownComuneError) -> list[str]:
    # "Castro (BG, 016058)" -> "Castro (BG)", the form the field resolves
    return list(dict.fromkeys(re.sub(r"\s*\(([A-Z]{2}), \d{6}\)$", r" (\1)", s) for s in exc.suggestions))[:8]


def validate_intake(form: IntakeForm, now: datetime, prefer_provinces: frozenset[str] | None = None,
                    gazetteer: Gazetteer | None = None) -> tuple[IntakeModel, Intake] | None:
    """The contract model and the resolved intake, or ``None`` with ``form.errors`` filled
    (every bad field at once, the comune included)."""
    gaz = gazetteer or default_gazetteer()
    obj = to_intake_dict(form, now)
    model = None
    try:
        model = IntakeModel.model_validate(obj)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("str", "int", "float", "list[...]", "bool"))
            field_id, message = _italian(loc, err)
            form.error(field_id, message)
    if form.comune and "comune" not in form.errors:
        try:
            gaz.resolve(form.comune, prefer_provinces=prefer_provinces)
        except UnknownComuneError as unknown:
            form.error("comune", _comune_message(unknown))
            form.comune_suggestions = _suggestion_labels(unknown)
    if form.errors or model is None:
        return None
    return model, resolve_intake(model, gaz, prefer_provinces)


def default_form() -> IntakeForm:
    return IntakeForm(max_distance_km=f"{DEFAULT_MAX_DISTANCE_KM:g}")
