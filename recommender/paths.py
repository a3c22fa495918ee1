"""Where the project's bundled data and build caches live.

The repository is the unit of deployment: data ship in ``data/`` next to the package and
built artefacts (fine-tuned encoders, embedding caches) go to ``.cache/`` unless
``WELFARE_MATCH_CACHE`` points elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("WELFARE_MATCH_DATA", PROJECT_ROOT / "data"))
FIXTURES_DIR = DATA_DIR / "fixtures"
GAZETTEER_CSV = DATA_DIR / "comuni_italiani.csv"


def cache_dir() -> Path:
    path = Path(os.environ.get("WELFARE_MATCH_CACHE", PROJECT_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path
