"""Keeping intake notes out of the store when a tenant has not opted in to storing them.

A match quotes the notes in two places: the evidence of a surfaced need (the clause that
triggered it) and the "dalle note: «...»" part of an explanation. Without ``store_notes``
both are redacted before the match is stored; the response to the caller is untouched.
"""

from __future__ import annotations

import re

from recommender.features.household import HOUSEHOLD_EVIDENCE

REDACTED = "[estratto delle note non conservato]"
# The quote is always the last part of an explanation, and notes may hold «» of their own:
# strip from its start to the end, never up to the first closing guillemet.
_NOTE_QUOTE = re.compile(r"\s*·\s*dalle note: «.*$", re.S)


def _from_notes(text: str, notes: str) -> bool:
    text = text.strip().strip("«»\"'…. ")
    return bool(text) and text.lower() in notes.lower()


REDACTED_HOUSEHOLD = "[dati del nucleo non conservati]"


def _from_household(text: str) -> bool:
    # Evidence built from the structured household ("nucleo: genitore, 84 anni, non
    # autosufficiente") carries ages and care flags, which are kept only with store_notes.
    return text.strip().startswith(HOUSEHOLD_EVIDENCE.strip())


def redact_needs(needs: list[dict], notes: str) -> list[dict]:
    out = []
    for n in needs:
        evidence = n.get("evidence", "") or ""
        if _from_household(evidence):
            out.append({**n, "evidence": REDACTED_HOUSEHOLD})
        elif notes.strip() and _from_notes(evidence, notes):
            out.append({**n, "evidence": REDACTED})
        else:
            out.append(n)
    return out


def redact_results(results: list[dict], notes: str) -> list[dict]:
    # Every quote goes, even with empty notes: it may quote the household instead ("nucleo: ...").
    return [{**r, "explanation": _NOTE_QUOTE.sub("", r.get("explanation", ""))} for r in results]
