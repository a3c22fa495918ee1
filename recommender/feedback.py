"""The feedback vocabulary: what a welfare manager can say about one suggested service.

Outcomes are ordered by how far the suggestion went (``rejected`` aside): the learned
re-ranker treats ``accepted``, ``contacted`` and ``service_used`` as positive signals of
growing strength. Reason codes explain a rejection (or any outcome) in a way that can be
counted; the free-text comment is optional and falls under the retention purge.
"""

from __future__ import annotations

OUTCOMES: dict[str, str] = {
    "accepted": "proposta accettata",
    "rejected": "proposta scartata",
    "contacted": "servizio contattato",
    "service_used": "servizio utilizzato",
}

REASONS: dict[str, str] = {
    "not_relevant": "non risponde al bisogno",
    "need_already_met": "bisogno già coperto",
    "not_eligible": "requisiti non soddisfatti",
    "too_far": "troppo lontano",
    "too_expensive": "costo troppo alto",
    "no_availability": "nessun posto disponibile",
    "quality_concern": "dubbi sulla qualità",
    "person_declined": "la persona non è interessata",
    "already_known": "servizio già noto o già in uso",
    "other": "altro",
}
