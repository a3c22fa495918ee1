"""The platform-facing need vocabulary: twelve codes with Italian labels.

The order of ``NEED_CODES`` is the contract order (labels and outputs list needs in it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    code: str
    label_it: str
    description_it: str
    description_en: str


NEEDS: tuple[Need, ...] = (
    Need(
        "childcare",
        "cura dei figli",
        "Cura ed educazione dei bambini 0-14 anni: nido, babysitter, pre e post scuola, "
        "centri estivi, doposcuola, ludoteca.",
        "Care and education of children 0-14: nido, babysitting, pre/post school, "
        "summer camps, after-school, toy library.",
    ),
    Need(
        "elderly_care",
        "assistenza anziani",
        "Assistenza alle persone anziane: assistenza domiciliare (SAD), pasti a domicilio, "
        "teleassistenza, centro diurno integrato, RSA, badanti.",
        "Care of older people: home care (SAD), meals on wheels, telecare, integrated day "
        "centre, nursing home (RSA), live-in carers.",
    ),
    Need(
        "disability",
        "disabilità",
        "Disabilità: CDD, SFA/CSE, assistenza educativa, sollievo per persone con disabilità, "
        "attività di inclusione.",
        "Disability: day centres (CDD), autonomy and educational services (SFA/CSE), "
        "educational assistance, respite, inclusion activities.",
    ),
    Need(
        "income_support",
        "sostegno al reddito",
        "Denaro e beni di prima necessità: contributi economici, buoni spesa, fondo di "
        "solidarietà, emporio solidale, aiuto con le bollette.",
        "Money and basic goods: cash benefits, food vouchers, solidarity fund, social "
        "supermarket, help with bills.",
    ),
    Need(
        "housing",
        "casa",
        "Abitare: emergenza abitativa, contributo affitto, housing sociale.",
        "Housing: emergency housing, rent support, social housing.",
    ),
    Need(
        "health",
        "salute",
        "Salute fisica e benessere: visite, fisioterapia, infermieristica, prevenzione, "
        "attività motoria.",
        "Physical health and wellbeing: medical visits, physiotherapy, nursing, "
        "prevention, physical activity.",
    ),
    Need(
        "mental_health",
        "supporto psicologico",
        "Supporto psicologico: sportello psicologico, psicoterapia, gruppi di sostegno, "
        "consultorio.",
        "Psychological support: counselling desk, psychotherapy, support groups, family "
        "counselling centre.",
    ),
    Need(
        "caregiver_support",
        "sostegno ai caregiver",
        "Sostegno ai familiari che assistono: sollievo, gruppi di auto mutuo aiuto, "
        "formazione caregiver, sportello badanti.",
        "Support for family caregivers: respite, self-help groups, caregiver training, "
        "help desk for hiring a care worker.",
    ),
    Need(
        "employment",
        "lavoro",
        "Lavoro: orientamento, formazione, inserimento lavorativo.",
        "Work: guidance, training, job placement.",
    ),
    Need(
        "work_life_balance",
        "conciliazione vita-lavoro",
        "Conciliazione: maggiordomo aziendale, disbrigo pratiche, commissioni, spesa a "
        "domicilio.",
        "Work-life balance: company concierge, paperwork, errands, grocery delivery.",
    ),
    Need(
        "social_inclusion",
        "socialità e inclusione",
        "Socialità e integrazione: centri aggregativi, contrasto all'isolamento, corsi di "
        "italiano, mediazione culturale.",
        "Social life and integration: youth and community centres, fighting isolation, "
        "Italian classes, cultural mediation.",
    ),
    Need(
        "mobility",
        "trasporto e accompagnamento",
        "Trasporto e accompagnamento: trasporto sociale, accompagnamento a visite e strutture.",
        "Transport and accompaniment: social transport, escort to medical visits and "
        "care facilities.",
    ),
)

NEED_CODES: tuple[str, ...] = tuple(n.code for n in NEEDS)
NEED_BY_CODE: dict[str, Need] = {n.code: n for n in NEEDS}
NEED_ORDER: dict[str, int] = {code: i for i, code in enumerate(NEED_CODES)}


def is_need_code(code: str) -> bool:
    return code in NEED_BY_CODE


def label_it(code: str) -> str:
    return NEED_BY_CODE[code].label_it


def sort_needs(codes: list[str] | set[str]) -> list[str]:
    """Sort need codes in the contract order."""
    return sorted(codes, key=NEED_ORDER.__getitem__)
