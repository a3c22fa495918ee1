"""The people of an intake, and whether a disability certification is still pending."""

from __future__ import annotations

import pytest

from recommender.features.people import Person, certification_pending, people_of
from tests.helpers import make_intake


@pytest.mark.parametrize(
    "notes",
    [
        "Il figlio ha la domanda di invalidità presentata a marzo.",
        "La pratica per la 104 è in corso.",
        "In attesa della 104 per il figlio.",
        "In attesa della certificazione L.104.",
        "Non ha ancora la 104.",
        "Il ragazzo è senza certificazione.",
        "Invalidità civile in attesa di riconoscimento.",
        "La 104 è stata respinta l'anno scorso.",
        # phrasings of the bundled fixtures (BG-C042, PD-C009): the child is disabled but not certified
        "A scuola non ha l'insegnante di sostegno, perché nessuno ha mai avviato le pratiche per il riconoscimento.",
        "Il piccolo ha una sordità parziale; qui non l'ha ancora visto nessuno e non c'è nessuna domanda di invalidità.",
    ],
)
def test_pending_certification_is_detected(notes: str) -> None:
    assert certification_pending(notes)


@pytest.mark.parametrize(
    "notes",
    [
        "Figlio con L.104 art. 3 c. 3 riconosciuta dal 2019.",
        "Ha la 104 da anni.",
        "Invalidità civile al 100% con indennità di accompagnamento.",
        "Cerca un nido per la bimba.",
        "",
    ],
)
def test_held_or_absent_certification_is_not_pending(notes: str) -> None:
    assert not certification_pending(notes)


@pytest.mark.parametrize(
    "notes",
    [
        "La certificazione non è ancora arrivata.",
        "L'inv. civ. non è ancora arrivata.",
        "Il figlio non è stato ancora certificato.",
        "Il figlio non è ancora riconosciuto invalido.",
    ],
)
def test_pending_certification_with_non_e_ancora(notes: str) -> None:
    assert certification_pending(notes)


@pytest.mark.parametrize(
    "notes",
    [
        "Senza lavoro da un anno, il figlio ha la 104.",
        "Non ha un lavoro stabile e il figlio ha l'invalidità civile al 100%.",
        "Il padre non ha più la patente, e il figlio ha la 104 dal 2019.",
        "Nessun problema con la 104, ce l'ha da anni.",
    ],
)
def test_held_certification_near_an_unrelated_negation_is_not_pending(notes: str) -> None:
    assert not certification_pending(notes)


def test_household_members_are_the_people() -> None:
    intake = make_intake(notes="", household=[
        {"relation": "self", "age": 44},
        {"relation": "child", "age": 12, "disability": True},
        {"relation": "parent", "age": 81, "non_self_sufficient": True},
    ])
    assert people_of(intake) == [
        Person("self", 44),
        Person("child", 12, disability=True, certified=True),
        Person("parent", 81, non_self_sufficient=True),
    ]


def test_pending_certification_makes_disabled_members_uncertified() -> None:
    intake = make_intake(
        notes="Il figlio di 12 anni ha una disabilità; la domanda di invalidità è stata presentata a settembre.",
        household=[{"relation": "self", "age": 44}, {"relation": "child", "age": 12, "disability": True}],
    )
    people = people_of(intake)
    assert people[1].disability is True
    assert people[1].certified is False


def test_people_are_read_from_the_notes_without_a_household() -> None:
    people = people_of(make_intake(notes="Sig.ra 38 aa, separata, due figli di 8 e 12 anni. Lavora part-time."))
    assert [(p.relation, p.age) for p in people] == [("self", 38), ("child", 8), ("child", 12)]
    assert all(p.from_notes for p in people)


def test_age_written_as_enne_and_children_in_months() -> None:
    people = people_of(make_intake(notes="63enne, vive con la figlia da 10 mesi nata prematura."))
    assert people[0] == Person("self", 63, from_notes=True)
    assert [(p.relation, p.age) for p in people[1:]] == [("child", 0)]


def test_person_interviewed_is_certified_only_if_the_notes_say_so() -> None:
    assert people_of(make_intake(notes="Sig. 50 aa, invalidità civile al 75%."))[0].certified is True
    assert people_of(make_intake(notes="Sig. 50 aa, ha la 104 ma la visita è ancora da fare, in attesa della certificazione."))[0].certified is False
    assert people_of(make_intake(notes="Sig. 50 aa, cerca lavoro."))[0].certified is False


def test_unknown_age_without_household_or_notes() -> None:
    assert people_of(make_intake(notes="")) == [Person("self", None, from_notes=True)]
