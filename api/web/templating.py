"""Jinja2 templates of the review page and the headers every page is sent with."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from recommender.store.web_sessions import WebSession

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
# Managers work in Italy: times are shown in Italian local time, whatever the server's zone.
LOCAL_TZ = ZoneInfo("Europe/Rome")

# No inline script or style anywhere: the policy can forbid both. The map is inline SVG
# drawn with presentation attributes, which are not styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages carry personal data: no copy in the browser's or a proxy's cache.
    "Cache-Control": "no-store",
}

MONTHS = ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre")


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ) if value.tzinfo else value


def it_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value:%d/%m/%Y}"


def it_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{local(value):%d/%m/%Y alle %H:%M}"


def it_long_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def it_number(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def euro(value: float) -> str:
    return it_number(value, 0 if float(value).is_integer() else 2) + " €"


def km(value: float) -> str:
    return it_number(value, 1) + " km"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt variable is an error in the tests, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(it_date=it_date, it_datetime=it_datetime, it_long_date=it_long_date, euro=euro, km=km, it_number=it_number)
    return env


ENV = _environment()


def render(request: Request, template: str, status: int = 200, session: WebSession | None = None,
           headers: dict[str, str] | None = None, nav: str = "", **context) -> HTMLResponse:
    html = ENV.get_template(template).render(
        request=request, session=session, user=session.user if session else None, nav=nav,
        csrf_token=session.csrf_token if session else "", **context,
    )
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
