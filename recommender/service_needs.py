"""Which needs each catalogue service answers: declared, completed, or inferred.

Platforms fill the ``needs`` column unevenly: sometimes empty, often only the main need.
The profile of a service is a row of affinities over the twelve needs: 1.0 for its main
need, lower for secondary ones. Declared needs are trusted; an empty column is inferred
from name and description (name words weigh more); a filled column is completed with
strongly evidenced secondary needs at a lower affinity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from recommender.catalogue import Catalogue, Service
from recommender.features.lexicon import MAIN_NEED_RULES, SERVICE_CUES
from recommender.features.text import normalize
from recommender.needs import NEED_CODES, NEED_ORDER


@dataclass(frozen=True)
class ServiceProfile:
    main_need: str
    needs: tuple[str, ...]  # main first
    inferred: bool  # True when the catalogue gave no needs


@dataclass
class ServiceNeedConfig:
    secondary_affinity: float = 0.6
    completed_affinity: float = 0.45
    inferred_threshold: float = 0.55
    complete_declared: bool = True
    dense_weight: float = 0.25


def lexical_service_scores(service: Service, name: str | None = None, desc: str | None = None) -> np.ndarray:
    """Per-need cue scores of a service; ``name``/``desc`` may be passed already normalised."""
    name = normalize(service.name) if name is None else name
    desc = normalize(service.description) if desc is None else desc
    scores = np.zeros(len(NEED_CODES))
    for need, pattern, weight in SERVICE_CUES:
        k = NEED_ORDER[need]
        n_name = len(pattern.findall(name))
        n_desc = len(pattern.findall(desc))
        s = 0.0
        if n_name:
            s = 1 - (1 - s) * (1 - weight)
        if n_desc:
            s = 1 - (1 - s) * (1 - weight * min(0.45 + 0.15 * n_desc, 0.9))
        scores[k] = s
    return scores


def _main_need_rule(name: str, text: str, lex: np.ndarray, main_k: int) -> int:
    """Apply the vocabulary's main-need rules to the (normalised) service name; first match wins."""
    for trigger, need, condition in MAIN_NEED_RULES:
        k = NEED_ORDER[need]
        if trigger.search(name) and re.search(condition, text) and lex[k] > 0:
            return k
    return main_k


def infer_profiles(
    catalogue: Catalogue,
    config: ServiceNeedConfig | None = None,
    dense_scores: np.ndarray | None = None,
) -> tuple[list[ServiceProfile], np.ndarray]:
    """Profiles and the affinity matrix (services x needs) of a whole catalogue."""
    cfg = config or ServiceNeedConfig()
    profiles: list[ServiceProfile] = []
    affinity = np.zeros((len(catalogue), len(NEED_CODES)), dtype=float)
    for i, svc in enumerate(catalogue.services):
        name, desc = normalize(svc.name), normalize(svc.description)
        lex = lexical_service_scores(svc, name, desc)
        if dense_scores is not None:
            lex = lex * (1 - cfg.dense_weight) + cfg.dense_weight * dense_scores[i] * (lex > 0)
        if svc.declared_needs:
            needs = list(svc.declared_needs)
            for j, need in enumerate(needs):
                affinity[i, NEED_ORDER[need]] = 1.0 if j == 0 else cfg.secondary_affinity
            if cfg.complete_declared:
                main_k = NEED_ORDER[needs[0]]
                for k in np.argsort(-lex):
                    # completion only adds needs the text names clearly, and never a
                    # need stronger than the declared main one
                    if lex[k] >= 0.75 and affinity[i, k] == 0 and lex[k] <= lex[main_k] + 0.1:
                        affinity[i, k] = cfg.completed_affinity
            others = tuple(NEED_CODES[k] for k in np.flatnonzero(affinity[i]) if NEED_CODES[k] != needs[0])
            profiles.append(ServiceProfile(needs[0], (needs[0], *others), False))
        else:
            order = np.argsort(-lex)
            main_k = _main_need_rule(name, f"{name}. {desc}", lex, int(order[0]))
            order = np.array([main_k] + [k for k in order if k != main_k])
            if lex[main_k] <= 0:
                profiles.append(ServiceProfile("", (), True))
                continue
            affinity[i, main_k] = 1.0
            for k in order[1:]:
                if lex[k] >= cfg.inferred_threshold and lex[k] >= 0.6 * lex[main_k]:
                    affinity[i, k] = cfg.secondary_affinity
            needs = [NEED_CODES[main_k]] + [NEED_CODES[k] for k in order[1:] if affinity[i, k] > 0]
            profiles.append(ServiceProfile(NEED_CODES[main_k], tuple(needs), True))
    return profiles, affinity
