"""Need surfacing: stated needs from the form, hidden needs from the notes and household.

Three channels, each replaceable and each switchable for ablations:
- lexical: Italian cue phrases with negation and "already met" handling
  (``features.cues``);
- household: priors from the structured fields (``features.household``);
- dense: similarity of the note to Italian need prototypes with the sentence encoder,
  used as supporting evidence that can lift a weak lexical signal, never alone.

Scores are combined with a noisy-OR, so independent pieces of evidence add up and the
result stays in [0, 1].
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace

import numpy as np

from recommender.features.cues import Context, CueHit, absent_needs, clause_bounds, find_cues
from recommender.features.household import household_signals
from recommender.features.people import Person
from recommender.features.text import normalize, normalize_aligned
from recommender.intake import Intake
from recommender.models.encoder import Encoder
from recommender.needs import NEED_BY_CODE, NEED_CODES, NEED_ORDER

# Italian exemplars of how needs are described, for the dense channel.
NEED_PROTOTYPES: dict[str, list[str]] = {
    "childcare": ["cerco un nido o una babysitter per mio figlio", "qualcuno che tenga i bambini dopo la scuola", "centro estivo per i bambini durante le vacanze", "aiuto con i compiti e doposcuola per il ragazzo"],
    "elderly_care": ["la madre anziana non è più autosufficiente e ha bisogno di assistenza a casa", "cerchiamo una badante o l'assistenza domiciliare per il papà", "anziano solo con demenza che cade spesso", "centro diurno o casa di riposo per l'anziana"],
    "disability": ["figlio con disabilità certificata legge 104", "ragazzo autistico che ha bisogno di un educatore", "centro diurno per adulto con disabilità intellettiva", "sindrome di down, cerca un laboratorio protetto"],
    "income_support": ["non riusciamo a pagare le bollette e l'affitto", "difficoltà economiche, chiede un contributo o il pacco alimentare", "senza reddito, non arriva a fine mese", "debiti e spese impreviste"],
    "housing": ["sfratto esecutivo, cerca una casa popolare", "senza casa, dorme in macchina", "affitto arretrato, il padrone di casa ha mandato una lettera", "deve lasciare l'appartamento"],
    "health": ["ha bisogno di fisioterapia dopo l'intervento", "malattia cronica, diabete e scompenso cardiaco", "visite specialistiche con lunghe liste d'attesa", "il medico gli ha detto di fare attività fisica"],
    "mental_health": ["ansia, depressione, non dorme, vorrebbe parlare con uno psicologo", "lutto recente, piange sempre e si è chiusa in casa", "adolescente aggressivo che non va a scuola", "stress e crisi di panico"],
    "caregiver_support": ["la figlia che assiste la madre è esausta e non ce la fa più", "il caregiver non ha mai un momento di sollievo", "usato tutte le ferie per accudire il genitore malato", "non usciamo da soli da anni per seguire nostro figlio"],
    "employment": ["ha perso il lavoro e cerca un nuovo impiego", "vorrebbe fare un corso di formazione per trovare lavoro", "aiuto a scrivere il curriculum", "tirocinio di inserimento lavorativo"],
    "work_life_balance": ["non ho tempo per commissioni e pratiche burocratiche", "servizi salva tempo per chi lavora", "spesa a domicilio e lavanderia", "conciliare il lavoro con la famiglia"],
    "social_inclusion": ["vive solo e non parla con nessuno", "non ha amici e passa le giornate in casa", "vorrebbe imparare l'italiano", "appena arrivati in Italia, hanno bisogno di integrarsi"],
    "mobility": ["non guida più e non ha la macchina", "qualcuno che la accompagni alle visite in ospedale", "trasporto verso il centro diurno", "la corriera passa solo due volte al giorno"],
}

_ELDERLY_NOTES = re.compile(r"\b(6[5-9]|[7-9]\d|1[01]\d) ?(aa|anni|enne)\b|anzian|\bnonn[oai]\b|\bsuocer[oa]\b|\bultra\w*(ottant|novant)|\b(ottant|novant)\w*enne")
_CHILD_NOTES = re.compile(r"\bfigli|bambin|\bbimb|\bragazz|\bnipot|neonat|adolescent|\bminor")
_DISABLED_NOTES = re.compile(r"disabil|\b104\b|invalid|autis|\bdown\b|handicap|\bcdd\b|\bsfa\b|\bcse\b|\bceod\b|non vedente|sord")
_DEPENDENT_NOTES = re.compile(r"malat|demenz|alzheimer|ictus|parkinson|sclerosi|tumor|oncolog|allettat|autosufficien|invalid|disabil|autis|cadut|cade\b|frattur|scompenso|\bsla\b|assist|accud|badant|infarto|dialisi|non cammina")


@dataclass(frozen=True)
class NeedScore:
    need: str
    source: str  # "stated" | "surfaced"
    score: float
    evidence: str
    spans: tuple[tuple[int, int], ...] = ()
    query: str = ""


@dataclass
class SurfacingConfig:
    threshold: float = 0.6
    use_lexical: bool = True
    use_household: bool = True
    use_dense: bool = True
    dense_weight: float = 0.3
    surface_hidden: bool = True  # False: only stated needs are returned (ablation)
    absent_damping: float = 0.15
    out_of_context_factor: float = 0.3


def intake_context(intake: Intake, people: list[Person]) -> Context:
    notes = normalize(intake.notes)
    ages = [p.age for p in people if p.age is not None]
    elderly = any(a >= 65 for a in ages) or bool(_ELDERLY_NOTES.search(notes))
    young_disabled = any(p.disability and (p.age or 0) < 65 for p in people) or bool(re.search(r"disabil|autis|\bdown\b|\bcdd\b|\bsfa\b|\bcse\b|\bceod\b", notes))
    return Context(
        elderly_only=elderly and not young_disabled,
        elderly=elderly,
        child=any(a <= 17 for a in ages) or bool(_CHILD_NOTES.search(notes)),
        dependent=any(p.non_self_sufficient or p.disability or (p.age or 0) >= 75 for p in people) or bool(_DEPENDENT_NOTES.search(notes)),
        disabled=any(p.disability for p in people) or bool(_DISABLED_NOTES.search(notes)),
    )


def _noisy_or(weights: list[float]) -> float:
    p = 1.0
    for w in weights:
        p *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - p


# a quotation mark, not the apostrophe of an elision ("un'assistenza", "l'ISEE")
_QUOTE = re.compile(r"(?<![^\W\d_])['\u2018\u2019]|['\u2018\u2019](?![^\W\d_])")


def _quote_marks(text: str) -> int:
    return len(_QUOTE.findall(text))


def _snippet(notes: str, start: int, end: int, limit: int = 160) -> str:
    """The clause or sentence around a cue, as the evidence shown to the welfare manager."""
    text = normalize_aligned(notes)
    left, right = clause_bounds(text, start, end)
    # widen to the sentence when the clause is very short
    if right - left < 25:
        s = max(text.rfind(". ", 0, start), text.rfind("; ", 0, start))
        left = 0 if s < 0 else s + 2
        e = min((i for i in (text.find(". ", end), text.find("; ", end)) if i >= 0), default=len(text))
        right = e
    # a clause that opens a quotation extends to its closing quote, so the evidence reads whole
    if _quote_marks(notes[left:right]) % 2 == 1:
        closing = next((m.start() for m in _QUOTE.finditer(notes, right)), -1)
        if 0 <= closing - right <= 160:
            right = closing + 1
    snippet = notes[left:right].strip(" ,;:.\"")
    if _quote_marks(snippet) % 2 == 1:
        snippet = snippet.strip("'\u2018\u2019")
    if len(snippet) > limit:
        centre = (start + end) // 2 - left
        a = max(0, centre - limit // 2)
        snippet = ("…" if a > 0 else "") + snippet[a : a + limit].strip() + "…"
    return snippet


class NeedSurfacer:
    """Finds stated and hidden needs of an intake, each with a score and evidence."""

    def __init__(self, config: SurfacingConfig | None = None, encoder: Encoder | None = None):
        self.config = config or SurfacingConfig()
        self.encoder = encoder

    def fit(self) -> NeedSurfacer:
        if self.encoder is not None and self.config.use_dense:
            protos = [NEED_BY_CODE[n].description_it for n in NEED_CODES]
            owners = list(NEED_CODES)
            for need, examples in NEED_PROTOTYPES.items():
                protos.extend(examples)
                owners.extend([need] * len(examples))
            embs = self.encoder.encode(protos)
            centroids = np.stack([embs[[i for i, o in enumerate(owners) if o == n]].mean(axis=0) for n in NEED_CODES])
            self.prototypes_ = centroids / np.linalg.norm(centroids, axis=1, keepdims=True)
        else:
            self.prototypes_ = None
        return self

    def dense_scores(self, note_embedding: np.ndarray | None) -> np.ndarray:
        """Per-need dense support in [0, 1]: how far the note leans to each need."""
        if note_embedding is None or getattr(self, "prototypes_", None) is None:
            return np.zeros(len(NEED_CODES))
        sims = self.prototypes_ @ note_embedding
        z = (sims - sims.mean()) / (sims.std() + 1e-6)
        return np.clip((z - 0.5) / 1.5, 0.0, 1.0)

    def surface(self, intake: Intake, people: list[Person], note_embedding: np.ndarray | None = None) -> list[NeedScore]:
        cfg = self.config
        notes = intake.notes or ""
        context = intake_context(intake, people)
        hits: list[CueHit] = find_cues(notes, context) if (cfg.use_lexical and notes.strip()) else []
        absent = absent_needs(notes) if (cfg.use_lexical and notes.strip()) else {}
        signals = household_signals(people, intake.isee, not notes.strip(), intake.household_given) if cfg.use_household else []
        dense = self.dense_scores(note_embedding) if cfg.use_dense else np.zeros(len(NEED_CODES))

        out: list[NeedScore] = []
        for k, need in enumerate(NEED_CODES):
            positive = [h for h in hits if h.need == need and h.status == "positive"]
            weak = [h for h in hits if h.need == need and h.status == "out_of_context"]
            # one contribution per distinct cue: repeating a phrase is not new evidence
            by_cue: dict[int, CueHit] = {}
            for h in positive:
                by_cue.setdefault(id(h.cue), h)
            lex = _noisy_or([h.weight for h in by_cue.values()] + [h.weight * cfg.out_of_context_factor for h in weak])
            hh_signals = [s for s in signals if s.need == need]
            hh = _noisy_or([s.weight for s in hh_signals])
            if need in absent:
                lex *= cfg.absent_damping
                hh *= cfg.absent_damping
            base = _noisy_or([lex, hh])
            score = base + (1 - base) * cfg.dense_weight * float(dense[k]) if base > 0 else 0.0

            spans = tuple(sorted((h.start, h.end) for h in by_cue.values()))
            strongest = max(by_cue.values(), key=lambda h: h.weight, default=None)
            if strongest is not None:
                evidence = _snippet(notes, strongest.start, strongest.end)
            elif hh_signals:
                evidence = max(hh_signals, key=lambda s: s.weight).evidence
            else:
                evidence = ""
            query = self._query(need, notes, by_cue.values())

            if need in intake.stated_needs:
                out.append(NeedScore(need, "stated", 1.0, evidence or "richiesta esplicita (stated_needs)", spans, query))
            elif cfg.surface_hidden and score >= cfg.threshold:
                out.append(NeedScore(need, "surfaced", round(min(score, 0.99), 3), evidence, spans, query))
        out.sort(key=lambda n: (n.source != "stated", -n.score, NEED_ORDER[n.need]))
        return out

    @staticmethod
    def _query(need: str, notes: str, hits) -> str:
        """Retrieval text for one need: the clauses that evidence it plus the cue expansions."""
        text = normalize_aligned(notes)
        parts: list[str] = []
        for h in hits:
            left, right = clause_bounds(text, h.start, h.end)
            parts.append(notes[left:right])
            parts.extend(h.cue.expand)
        if not parts:
            parts.append(NEED_BY_CODE[need].description_it)
        return " ".join(dict.fromkeys(parts))


def all_need_scores(surfacer: NeedSurfacer, intake: Intake, people: list[Person], note_embedding: np.ndarray | None = None) -> dict[str, float]:
    """Raw per-need scores before thresholding (for analysis and threshold tuning)."""
    probe = copy.copy(surfacer)
    probe.config = replace(surfacer.config, threshold=0.0)
    return {n.need: n.score for n in probe.surface(intake, people, note_embedding)}
