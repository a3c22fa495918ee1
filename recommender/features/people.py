"""The people of an intake: the household as given, or what the notes say about it.

Eligibility is judged per person (age band, disability certification), so the engine
needs the people even when the platform sent no household: then ages are read from the
notes ("Sig. 45 aa", "63enne", "figli di 8 e 12 anni").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.features.text import normalize
from recommender.intake import Intake


@dataclass(frozen=True)
class Person:
    relation: str
    age: int | None
    disability: bool = False
    certified: bool = False
    non_self_sufficient: bool = False
    from_notes: bool = False


_PENDING_CERT = re.compile(
    r"(domanda|richiesta|pratica|istanza)[^.;]{0,80}(invalidita|104|certificazion|riconosciment)[^.;]{0,100}"
    r"(presentat|inoltrat|in corso|in attesa|non ancora|da fare|ancora da)"
    r"|(in attesa|non ancora|ancora senza|ancora da fissare)[^.;]{0,50}(certificazion|della 104|invalidita|commissione|visita medico.legale)"
    r"|(senza|manca la|non ha (ancora )?la|non ha (ancora )?nessuna|privo di) (certificazion|104|invalidita)"
    r"|non (e |sono )?(stat[oaie] )?(ancora )?(certificat|riconosciut)"
    r"|(certificazione|104|invalidita|inv\W{0,2}civ)[^.;]{0,30}(non (e )?(stat[oaie] )?(ancora )?(riconosciut|ottenut|arrivat)|in attesa|in corso|negat|respint)"
    r"|(nessuno|mai)[^.;]{0,30}(avviat|presentat|fatt|iniziat)\w*[^.;]{0,20}(pratiche|domanda|richiesta)"
    r"|(nessuna|senza|non c.e (la |nessuna )?)(domanda|pratica|richiesta) (di |per |d.)?(invalidita|104|riconosciment|certificaz)"
)
_SELF_AGE = re.compile(r"\b(\d{2})\s*(?:aa|anni|a\.)\b|\b(\d{2})\s*enne\b")
_CHILD_AGES = re.compile(
    r"\bfigli[oae]?\b[^.;]{0,40}?\b(?:di|da)\s+(\d{1,2})(?:\s*(?:,|e)\s*(\d{1,2}))?(?:\s*(?:,|e)\s*(\d{1,2}))?\s*(?:anni|aa|mesi)"
)


def certification_pending(notes: str) -> bool:
    # "L.104", "inv. civ." carry dots that are not sentence ends
    text = re.sub(r"(?<=\w)\.(?=\s?\w)", "", normalize(notes))
    return bool(_PENDING_CERT.search(text))


def people_of(intake: Intake) -> list[Person]:
    """Everyone the intake tells about, with the best knowledge of their certification."""
    pending = certification_pending(intake.notes) if intake.notes else False
    if intake.household:
        return [
            Person(
                relation=m.relation,
                age=m.age,
                disability=m.disability,
                certified=m.disability and not pending,
                non_self_sufficient=m.non_self_sufficient,
            )
            for m in intake.household
        ]
    return _people_from_notes(intake.notes)


def _people_from_notes(notes: str) -> list[Person]:
    text = normalize(notes)
    people: list[Person] = []
    head = text[:80]
    m = _SELF_AGE.search(head)
    # Without a household the person interviewed is still someone: certified only if the
    # notes name a certification that is not pending.
    certified = bool(re.search(r"\b104\b|invalidita civile|inv\.? civ", text)) and not certification_pending(notes)
    people.append(Person("self", int(m.group(1) or m.group(2)) if m else None, certified=certified, from_notes=True))
    for m in _CHILD_AGES.finditer(text):
        unit_months = "mesi" in m.group(0)[-5:]
        for g in m.groups():
            if g:
                people.append(Person("child", 0 if unit_months else int(g), from_notes=True))
    return people
