"""What the results and print pages show, built from a stored match, the catalogue it used
and (when known) the intake: needs as chips, the notes with the evidence marked, services
grouped by need with their facts, their feedback state and the map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from api.web.forms import FUNDING_LABELS
from api.web.map_svg import MapPoint, render_map
from api.web.templating import euro, it_date, it_number, km
from recommender.catalogue import Catalogue, Service
from recommender.feedback import OUTCOMES, REASONS
from recommender.gazetteer import Comune
from recommender.needs import NEED_BY_CODE
from recommender.privacy import REDACTED
from recommender.store.matches import StoredFeedback, StoredMatch

DELIVERY_LABELS = {"on_site": "in sede", "home": "a domicilio", "remote": "a distanza (telefono o online)"}
# what a manager sees for the stored outcome codes (recommender.feedback holds the vocabulary)
OUTCOME_SHORT = {"accepted": "Accettato", "contacted": "Contattato", "rejected": "Scartato", "service_used": "Servizio utilizzato"}
assert set(OUTCOME_SHORT) == set(OUTCOMES)
POSITIVE = {"accepted", "contacted", "service_used"}


@dataclass
class NeedChip:
    code: str
    label: str
    stated: bool
    score: float
    evidence: str  # as stored or matched
    evidence_in_notes: bool
    evidence_redacted: bool


@dataclass
class Segment:
    text: str
    needs: list[str] = field(default_factory=list)  # the needs whose evidence this is; empty: plain text

    @property
    def labels(self) -> str:
        return ", ".join(NEED_BY_CODE[n].label_it for n in self.needs if n in NEED_BY_CODE)


@dataclass
class FeedbackLine:
    outcome: str
    label: str
    reason: str | None
    comment: str | None
    at: datetime


@dataclass
class ServiceCard:
    rank: int
    service_id: str
    name: str
    need: str
    need_label: str
    score: float
    explanation: str
    service: Service | None
    distance: str
    delivery: str
    quality: list[str]
    eligibility: list[str]
    funding: list[str]
    price: str
    feedback: list[FeedbackLine]
    on_map: bool

    @property
    def state(self) -> FeedbackLine | None:
        """The manager's latest word on this suggestion."""
        return self.feedback[-1] if self.feedback else None

    @property
    def anchor(self) -> str:
        return f"servizio-{self.rank}"


@dataclass
class NeedGroup:
    chip: NeedChip | None
    label: str
    cards: list[ServiceCard]


def need_label(code: str) -> str:
    n = NEED_BY_CODE.get(code)
    return n.label_it if n else code


def chips(needs: list[dict], notes: str | None) -> list[NeedChip]:
    low = (notes or "").lower()
    out = []
    for n in needs:
        ev = str(n.get("evidence") or "")
        out.append(NeedChip(
            code=n["need"], label=need_label(n["need"]), stated=n.get("source") == "stated", score=float(n.get("score") or 0),
            evidence=ev, evidence_in_notes=bool(ev.strip()) and ev.strip().lower() in low and bool(low), evidence_redacted=ev == REDACTED,
        ))
    return out


def mark_evidence(notes: str, needs: list[NeedChip]) -> list[Segment]:
    """The notes cut into plain text and evidence phrases (each with the needs it supports);
    overlapping phrases are merged into one marked stretch."""
    low = notes.lower()
    spans: list[tuple[int, int, str]] = []
    for chip in needs:
        phrase = chip.evidence.strip()
        if not phrase:
            continue
        at = low.find(phrase.lower())
        if at >= 0:
            spans.append((at, at + len(phrase), chip.code))
    spans.sort()
    merged: list[list] = []
    for start, end, code in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if code not in merged[-1][2]:
                merged[-1][2].append(code)
        else:
            merged.append([start, end, [code]])
    out: list[Segment] = []
    pos = 0
    for start, end, codes in merged:
        if start > pos:
            out.append(Segment(notes[pos:start]))
        out.append(Segment(notes[start:end], codes))
        pos = end
    if pos < len(notes):
        out.append(Segment(notes[pos:]))
    return out


def _quality(s: Service) -> list[str]:
    out = ["accreditato" if s.accredited else "non accreditato", "carta etica sottoscritta" if s.ethical_charter else "carta etica non sottoscritta"]
    out.append(f"verificato il {it_date(s.last_verified)}" if s.last_verified else "mai verificato")
    if s.rating is not None:
        out.append(f"valutazione {it_number(s.rating, 1)} su 5")
    if s.complaints_12m is not None:
        n = s.complaints_12m
        out.append("nessun reclamo negli ultimi 12 mesi" if n == 0 else f"{n} {'reclamo' if n == 1 else 'reclami'} negli ultimi 12 mesi")
    return out


def _age_range(s: Service) -> str | None:
    if s.age_min is None and s.age_max is None:
        return None
    if s.age_max is None:
        return f"dai {s.age_min} anni" if s.age_min else None
    if s.age_min in (None, 0):
        return f"fino a {s.age_max} anni"
    return f"dai {s.age_min} ai {s.age_max} anni"


def _eligibility(s: Service, intake: dict | None) -> list[str]:
    out = []
    if (ages := _age_range(s)) is not None:
        out.append(f"età: {ages}")
    if s.isee_max is not None:
        line = f"ISEE fino a {euro(s.isee_max)}"
        if intake and intake.get("isee") is not None:
            isee = float(intake["isee"])
            line += f" (ISEE della persona: {euro(isee)}, {'rientra' if isee <= s.isee_max else 'oltre il limite'})"
        out.append(line)
    elif intake and intake.get("isee") is not None:
        out.append("nessun limite di ISEE")
    if s.requires_disability_certification:
        out.append("serve la certificazione di disabilità (L. 104/1992) o l'invalidità civile")
    return out or ["nessun requisito particolare"]


def _funding(s: Service, intake: dict | None) -> list[str]:
    if "free" in s.funding:
        return ["gratuito"]
    accepted = [f for f in ("company_welfare", "municipal_voucher", "solidarity_fund", "private") if f in s.funding]
    person = set(intake["funding"]) if intake and intake.get("funding") is not None else None
    out = []
    for f in accepted:
        label = FUNDING_LABELS[f]
        if person is not None:
            label += " (la persona può usarlo)" if f in person else " (non indicato nella scheda)"
        out.append(label)
    return out or ["modalità di pagamento non indicate nel catalogo"]


def _distance(s: Service | None, distance_km: float | None, comune: Comune | None) -> str:
    where = f" da {comune.name}" if comune else ""
    if s is None:
        return km(distance_km) + where if distance_km is not None else ""
    d = distance_km or 0.0
    if s.delivery == "on_site":
        # rounded to 0,0 km it reads as a bug; it means the service is in the same comune
        return f"nel comune{' di ' + comune.name if comune else ''}" if d < 0.05 else f"{km(d)}{where}"
    if s.delivery == "home":
        return "viene a casa; la sede è nello stesso comune" if d < 0.05 else f"viene a casa; la sede è a {km(d)}"
    return "nessuno spostamento"


def cards(match: StoredMatch, results: list[dict], catalogue: Catalogue | None, comune: Comune | None, intake: dict | None) -> list[ServiceCard]:
    by_service: dict[str, list[StoredFeedback]] = {}
    for f in match.feedback:
        by_service.setdefault(f.service_id, []).append(f)
    out = []
    for r in sorted(results, key=lambda r: r["rank"]):
        s = catalogue.get(r["service_id"]) if catalogue is not None else None
        fb = [
            FeedbackLine(f.outcome, OUTCOME_SHORT.get(f.outcome, f.outcome), REASONS.get(f.reason) if f.reason else None, f.comment, f.created_at)
            for f in by_service.get(r["service_id"], [])
        ]
        out.append(ServiceCard(
            rank=int(r["rank"]), service_id=r["service_id"], name=r.get("name") or (s.name if s else r["service_id"]),
            need=r["need"], need_label=need_label(r["need"]), score=float(r.get("score") or 0), explanation=r.get("explanation", ""),
            service=s, distance=_distance(s, r.get("distance_km"), comune),
            delivery=DELIVERY_LABELS.get(s.delivery, "") if s else "",
            quality=_quality(s) if s else [], eligibility=_eligibility(s, intake) if s else [], funding=_funding(s, intake) if s else [],
            price=f"{euro(s.price_eur)} (indicativo)" if s and s.price_eur is not None and "free" not in s.funding else "",
            feedback=fb, on_map=s is not None and s.delivery != "remote",
        ))
    return out


def groups(needs: list[NeedChip], service_cards: list[ServiceCard]) -> list[NeedGroup]:
    out = []
    seen = set()
    for chip in needs:
        out.append(NeedGroup(chip, chip.label, [c for c in service_cards if c.need == chip.code]))
        seen.add(chip.code)
    rest = [c for c in service_cards if c.need not in seen]
    if rest:
        out.append(NeedGroup(None, "altri servizi suggeriti", rest))
    return out


def service_map(comune: Comune | None, service_cards: list[ServiceCard]) -> Markup | None:
    if comune is None:
        return None
    points = [
        MapPoint(c.rank, c.name, c.service.lat, c.service.lon, c.service.delivery)
        for c in service_cards if c.on_map and c.service is not None
    ]
    return render_map(comune.name, comune.lat, comune.lon, points)


# --- the citizen's referral sheet ------------------------------------------------------------


def referral_cards(service_cards: list[ServiceCard]) -> tuple[list[ServiceCard], bool]:
    """The services to print: those the manager proposed (latest word positive), else all
    suggested; the flag says which."""
    chosen = [c for c in service_cards if c.state is not None and c.state.outcome in POSITIVE]
    return (chosen, True) if chosen else ([c for c in service_cards if not (c.state and c.state.outcome == "rejected")] or service_cards, False)


def what_to_bring(card: ServiceCard, intake: dict | None) -> list[str]:
    """Practical points for the citizen, from the service's requirements; never from the notes."""
    s = card.service
    out = ["Un documento d'identità e la tessera sanitaria della persona che userà il servizio."]
    if s is None:
        return out + ["Chiedere se ci sono posti disponibili, i tempi di attesa e i costi."]
    if s.isee_max is not None:
        out.append(f"L'attestazione ISEE in corso di validità (il servizio è per ISEE fino a {euro(s.isee_max)}).")
    if s.requires_disability_certification:
        out.append("Il verbale di invalidità civile o la certificazione di disabilità (L. 104/1992).")
    if "company_welfare" in s.funding and (intake is None or intake.get("funding") is None or "company_welfare" in intake["funding"]):
        out.append("Se si usa il credito welfare aziendale: chiedere all'azienda o alla sua piattaforma welfare come attivarlo.")
    if "municipal_voucher" in s.funding and (intake is None or intake.get("funding") is None or "municipal_voucher" in intake["funding"]):
        out.append("Per il voucher del Comune: chiedere ai servizi sociali del proprio Comune.")
    ask = "Chiedere se ci sono posti disponibili e i tempi di attesa"
    if "free" in s.funding:
        ask += " (il servizio è gratuito)."
    elif s.price_eur is not None:
        ask += f", e conferma del costo (indicativamente {euro(s.price_eur)})."
    else:
        ask += ", e quanto costa."
    out.append(ask)
    if s.delivery == "home":
        out.append("Il servizio viene a casa: concordare giorni e orari.")
    elif s.delivery == "remote":
        out.append("Il servizio è a distanza: chiedere come collegarsi (telefono o online).")
    return out
