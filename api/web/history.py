"""``/storico``: the manager's own recent matches, newest first, each reopened on its page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.state import AppState, app_state
from api.web.auth import require_session
from api.web.presenters import need_label
from api.web.templating import render
from recommender.gazetteer import default_gazetteer
from recommender.store.matches import list_user_matches
from recommender.store.web_sessions import WebSession

router = APIRouter(include_in_schema=False)
HISTORY_LIMIT = 50


@router.get("/storico")
def history(request: Request, session: WebSession = Depends(require_session), state: AppState = Depends(app_state)) -> Response:
    gaz = default_gazetteer()
    rows = []
    for m in list_user_matches(state.db, session.tenant, session.user.id, HISTORY_LIMIT):
        comune = gaz.get(m.comune_istat)
        rows.append({
            "summary": m,
            "comune": f"{comune.name} ({comune.province_abbr})" if comune else m.comune_istat,
            "needs": [need_label(n) for n in m.needs],
        })
    return render(request, "history.html", session=session, nav="storico", rows=rows, limit=HISTORY_LIMIT)
