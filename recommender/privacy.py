"""Keeping intake notes out of the store when a tenant has not opted in to storing them.

A match quotes the notes in two places: the evidence of a surfaced need (the clause that
triggered it) and the "dalle note: «...»" part of an explanation. Without ``store_notes``
both are redacted before the match is stored; the response to the caller is untouched.
"""

from __future__ import annotations

import re

REDACTED = "[estratto delle note non conservato]"
_NOTE_QUOTE = re.compile(r"\s*·\s*dalle note: «[^»]*»")


def _from_notes(text: str, notes: str) -> bool:
    text = text.strip().strip("«»\"'…. ")
    return bool(text) and text.lower() in notes.lower()


def redact_needs(needs: list[dict], notes: str) -> list[dict]:
    if not notes.strip():
        return needs
    return [{**n, "evidence": REDACTED} if _from_notes(n.get("evidence", ""), notes) else n for n in needs]


def redact_results(results: list[dict], notes: str) -> list[dict]:
    if not notes.strip():
        return results
    return [{**r, "explanation": _NOTE_QUOTE.sub("", r.get("explanation", ""))} for r in results]
