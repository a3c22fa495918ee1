"""Every error the API returns has one shape: ``{"detail": ..., "errors": [...]}``.

Bad input is a 4xx naming the field; an unexpected failure is a 500 whose log line holds
the exception type and the stack, never the exception message (it could quote an intake).
"""

from __future__ import annotations

import logging
import re
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.engines import CatalogueUnavailable
from recommender.errors import InputError

log = logging.getLogger("welfare_match.api")

# Pydantic adds the branch of a union (or a validator) to an error's location; they are
# not fields, and the welfare manager's developer needs the field.
_NOT_FIELDS = {"str", "int", "float", "bool", "list", "dict", "none", "date", "is-instance", "literal"}


class ApiError(Exception):
    def __init__(self, status: int, detail: str, errors: list[dict] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors, self.headers = status, detail, errors or [], headers


def field_path(loc: tuple | list) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and (part in _NOT_FIELDS or "[" in part or "(" in part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_errors(errors: list[dict], prefix: tuple = ()) -> list[dict]:
    out: list[dict] = []
    seen: set[tuple] = set()
    for err in errors:
        path = field_path(tuple(prefix) + tuple(err.get("loc", ())))
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            msg = "is required"
        elif err.get("type") == "json_invalid":
            msg = f"malformed JSON: {err.get('ctx', {}).get('error', 'cannot parse')}"
            path = "body"
        if (path, msg) not in seen:
            seen.add((path, msg))
            out.append({"field": path or None, "message": msg})
    return out


def input_errors(exc: InputError, prefix: str = "body") -> list[dict]:
    return [
        {"field": f"{prefix}.{i.column}" if i.column and prefix else (i.column or prefix or None), "message": i.reason}
        for i in exc.issues
    ]


def _json(status: int, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": errors or []}, status_code=status, headers=headers)


_BODY_NOT_PARSED = "There was an error parsing the body"  # fastapi.routing, for a body json.loads rejects outside JSONDecodeError


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for the request's path (the OpenAPI schema lists them all)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}/]+\})", template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.detail, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()))
        summary = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors[:5])
        return _json(422, f"invalid request: {summary}", errors)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        errors = input_errors(exc)
        return _json(422, f"invalid request: {errors[0]['field']}: {errors[0]['message']}" if errors else "invalid request", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405 and (allowed := _allowed_methods(request)):
            # The router names only the methods of the first route on the path (PUT for
            # /v1/catalogue, which also has GET); a 405 must list every allowed method.
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        errors = None
        if exc.status_code == 400 and exc.detail == _BODY_NOT_PARSED:
            # FastAPI's answer to a JSON body that is not UTF-8: name the field like every 4xx.
            errors = [{"field": "body", "message": "malformed JSON: not UTF-8 text"}]
        return _json(exc.status_code, str(exc.detail), errors, headers=headers)

    @app.exception_handler(CatalogueUnavailable)
    async def _catalogue_unavailable(_: Request, exc: CatalogueUnavailable) -> JSONResponse:
        log.error("tenant catalogue v%s cannot be loaded", exc.version)
        return _json(503, str(exc))

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig is not None else "OperationalError")
        return _json(503, "the database is unavailable; retry later", headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error("internal error %s on %s %s\n%s", type(exc).__name__, request.method, request.url.path, stack)
        return _json(500, "internal error; it has been logged without the request's content")
