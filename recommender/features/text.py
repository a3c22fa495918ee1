"""Italian text normalisation, tokenisation, lemmatisation and sentence splitting.

Regex cues run on ``normalize``d text (lower case, accents folded, apostrophes kept as
spaces) so that "può", "puo'" and "PUO" all match the same pattern.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = str.maketrans({"’": "'", "`": "'", "´": "'", "‘": "'"})
_TOKEN_RE = re.compile(r"[a-z0-9]+")

# Function words that carry no topical meaning for retrieval. Negations are kept out of
# this list on purpose: the lexical channel never uses them as evidence, but the
# negation detector needs them in the token stream.
STOPWORDS = frozenset(
    """
    a ad al allo ai agli all alla alle anche ancora avere aveva avevo ha hanno ho c ce ci
    che chi con col coi come cui da dal dallo dai dagli dall dalla dalle degli dei del dell
    della delle dello di dove e ed era erano essere gli i il in io l la le lei lo loro lui
    ma me mi mia mie miei mio ne negli nei nel nell nella nelle nello noi o per piu poi
    qua quale quando quella quelle quelli quello questa queste questi questo se sei si sia
    sono su sua sue sui sul sull sulla sulle suo suoi ti tra tu tua tue tuo tuoi un una
    uno vi voi fa fra cosi dopo prima molto poco tutto tutti tutta tutte sempre solo
    quindi pero anni aa sig sig.ra dip
    """.split()
)


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, fold accents, unify apostrophes and whitespace."""
    return re.sub(r"\s+", " ", normalize_aligned(text)).strip()


def tokenize(text: str) -> list[str]:
    return _TOKEN_RE.findall(normalize(text))


@lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    """Italian lemma of a normalised token (simplemma's dictionary, then a light stemmer)."""
    import simplemma

    lem = simplemma.lemmatize(token, lang="it")
    lem = fold_accents(lem).lower()
    return _light_stem(lem)


def _light_stem(word: str) -> str:
    # Collapses gender/number variants the dictionary leaves apart
    # (anziano/anziani/anziane, domiciliare/domiciliari) without a full stemmer's
    # over-conflation: only the final vowel is dropped, on words of 5+ letters.
    if len(word) >= 5 and word[-1] in "aeio":
        return word[:-1]
    return word


def content_lemmas(text: str) -> list[str]:
    """Lemmas of the content words of a text, for BM25 and overlap features."""
    return [lemma(t) for t in tokenize(text) if t not in STOPWORDS and len(t) > 1 and not t.isdigit()]


def _aligned_char(ch: str) -> str:
    if ch.isspace():
        return " "
    ch = ch.translate(_APOSTROPHES)
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    return base[0] if base else ch


# One character in, one character out: a C-speed translate table for the Latin, Greek and
# Cyrillic ranges; anything rarer is mapped on the fly.
_ALIGNED_TABLE = {i: _aligned_char(chr(i)) for i in range(0x0530)} | {
    ord(c): _aligned_char(c) for c in "\u2018\u2019\u201c\u201d\u2013\u2014\u00a0\u2028\u2029"
}


@lru_cache(maxsize=4096)
def normalize_aligned(text: str) -> str:
    """Like ``normalize`` but keeps every character at its offset (no whitespace collapse),
    so a match in the normalised text points at the same span of the original notes."""
    out = text.translate(_ALIGNED_TABLE)
    if out.isascii():
        return out
    return "".join(c if ord(c) < 0x0530 else _aligned_char(c) for c in out)
