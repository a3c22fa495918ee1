"""Lexical need evidence: cue phrases found in the notes, with negation and "already met".

A cue counts when it is not negated ("non ha problemi economici") and the need is not
already covered ("il nido ce l'abbiamo già"); cues that carry their own negation
("non guida più") skip the negation check. Scope is the clause: commas, "ma", "però"
and sentence ends stop a negation from reaching further.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.features.lexicon import (
    ABSENT_CUES,
    ALREADY_MET_AFTER,
    ALREADY_MET_BEFORE,
    CONTRAST,
    COVERED_SENTENCE,
    INTAKE_CUES,
    NEGATION_BEFORE,
    Cue,
)
from recommender.features.text import normalize_aligned

# "L.104", "7.800", "art. 3", "inv. civ." keep their dots: a full stop ends a clause only
# before a space and not after a common abbreviation
_ABBREV_DOT = "".join(f"(?<!\\b{a})" for a in ("art", "c", "n", "aa", "sig", "dott", "inv", "civ", "amm", "dip", "fraz", "ecc", "es", "l"))
_CLAUSE_BREAK = re.compile(r"[;:!?,()\n]|" + _ABBREV_DOT + r"\.(?=\s|$)|\s(ma|pero|mentre|invece|anche se|perche)\s|\s-\s|'\s")


@dataclass(frozen=True)
class CueHit:
    need: str
    weight: float
    start: int
    end: int
    cue: Cue
    status: str  # "positive" | "negated" | "met" | "out_of_context"


@dataclass(frozen=True)
class Context:
    elderly: bool
    child: bool
    dependent: bool
    disabled: bool
    elderly_only: bool = False  # an older person and nobody younger with a disability

    def allows(self, requirement: str | None) -> bool:
        return requirement is None or bool(getattr(self, requirement))


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, start):
        left = m.end()
    m = _CLAUSE_BREAK.search(text, end)
    right = m.start() if m else len(text)
    return left, right


_SENTENCE_END = re.compile(r"[.;!?\n](\s|$)")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    m = _SENTENCE_END.search(text, end)
    return left, (m.start() + 1 if m else len(text))


def _covered(text: str, start: int, end: int) -> bool:
    """Does the cue's sentence say the need is already covered, with no contrast between?"""
    left, right = _sentence_bounds(text, start, end)
    for m in COVERED_SENTENCE.finditer(text, left, right):
        lo, hi = (m.end(), start) if m.end() <= start else (end, m.start())
        if lo >= hi or not CONTRAST.search(text, lo, hi):
            return True
    return False


def _status(text: str, cue: Cue, start: int, end: int, context: Context) -> str:
    left, right = clause_bounds(text, start, end)
    before, after = text[left:start], text[end:right]
    if ALREADY_MET_BEFORE.search(before) or ALREADY_MET_AFTER.search(after) or _covered(text, start, end):
        return "met"
    if not cue.self_negating and NEGATION_BEFORE.search(before):
        return "negated"
    if not context.allows(cue.context):
        return "out_of_context"
    return "positive"


def find_cues(notes: str, context: Context) -> list[CueHit]:
    """Every cue occurrence in the notes, with its status."""
    text = normalize_aligned(notes)
    hits: list[CueHit] = []
    for cue in INTAKE_CUES:
        for m in cue.pattern.finditer(text):
            if m.end() == m.start():
                continue
            hits.append(CueHit(cue.need, cue.weight, m.start(), m.end(), cue, _status(text, cue, m.start(), m.end(), context)))
    return hits


def absent_needs(notes: str) -> dict[str, tuple[int, int]]:
    """Needs the notes explicitly rule out, with the span that says so."""
    text = normalize_aligned(notes)
    out: dict[str, tuple[int, int]] = {}
    for need, pattern in ABSENT_CUES:
        m = pattern.search(text)
        if m and need not in out:
            out[need] = (m.start(), m.end())
    return out
