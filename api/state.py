"""What the application holds for its lifetime: settings, the store and the engines."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import Engine

from api.engines import EngineRegistry
from api.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Engine
    engines: EngineRegistry


def app_state(request: Request) -> AppState:
    return request.app.state.welfare
