"""Property-based tests of the HTTP API against its own OpenAPI schema (schemathesis).

Every operation of ``/openapi.json`` is called with data generated from the schema, both
schema-valid (positive) and schema-violating (negative), as tenant ``alpha`` (which has the
bundled catalogue) and without a valid key. Whatever the input, the API must never answer
5xx, must answer only the status codes and content types it documents, with bodies that
conform to the documented schemas, must reject schema-violating input with a 4xx naming the
field, and must answer 401 (documented) to every ``/v1`` call without a valid key.

The tests drive schemathesis' own engine (the phases of ``schemathesis run``: coverage, then
fuzzing) on the ASGI app, one operation per test. The pytest integration of schemathesis
4.32 (``schemathesis.pytest.from_fixture``) cannot run under pytest 9, which removed
``Node._nodeid``, and a schema loaded at import time could not carry a key made by a
fixture. Generation is deterministic (fixed seed, derandomized Hypothesis, no example
database, no feedback from earlier responses) and bounded. The full run is on SQLite; the
operations that write to the store run again on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.engine import events, from_schema

from tests.api.conftest import AS_OF, ApiEnv, make_env

SEED = 20261122
MAX_EXAMPLES = 50

OPERATIONS = [
    ("POST", "/v1/match"),
    ("POST", "/v1/match/batch"),
    ("GET", "/v1/matches/{match_id}"),
    ("POST", "/v1/matches/{match_id}/feedback"),
    ("GET", "/v1/catalogue"),
    ("PUT", "/v1/catalogue"),
    ("GET", "/v1/services"),
    ("GET", "/v1/services/{service_id}"),
    ("GET", "/v1/needs"),
    ("GET", "/v1/comuni"),
    ("GET", "/v1/insights"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
]
PUBLIC = {("GET", "/v1/needs"), ("GET", "/v1/comuni"), ("GET", "/healthz"), ("GET", "/readyz")}
STORAGE = [op for op in OPERATIONS if op[1].startswith("/v1/match")]

# Operations whose input has meaning beyond its JSON schema: a comune must exist in the
# gazetteer, a need code in the vocabulary, a cursor must come from a previous page, a
# feedback item must name a service the match suggested, a CSV must follow the catalogue
# contract. Schema-valid input can therefore be rightly refused with a 422 naming the field,
# which ``positive_data_acceptance`` reports as a failure: a false positive. That check is
# switched off for these operations only (``errors_name_the_field`` still vets the 422s).
DOMAIN_VALIDATED = [
    ("POST", "/v1/match"),
    ("POST", "/v1/matches/{match_id}/feedback"),
    ("PUT", "/v1/catalogue"),
    ("GET", "/v1/services"),
    ("GET", "/v1/insights"),  # a territory must exist, and a period cannot end before it starts
]
# ``GET /v1/insights`` needs an administrator key: it is fuzzed with alpha's, the others
# with alpha's ordinary key.
ADMIN_ONLY = {("GET", "/v1/insights")}

# ``POST /v1/match/batch`` validates its intakes one by one on purpose (api/schemas.py,
# BatchRequest): a bad intake is reported in its own item of a 200 response so that the
# other intakes are still matched. ``negative_data_rejection`` expects a 4xx for a
# schema-violating intake (a false positive for this design) and is switched off for this
# operation only; ``batch_accounts_for_every_intake`` asserts the documented behaviour.
PER_ITEM_VALIDATED = [("POST", "/v1/match/batch")]

# Values the generators may draw (half of the time) instead of random ones, so that the
# deeper code paths run too, not only the 404s and 422s of random identifiers.
BINDINGS = {
    "path.match_id": "match_ids",
    "body.items[*].service_id": "suggested",
    "path.service_id": "service_ids",
    "query.comune": "comuni",
    "body.comune": "comuni",
    "body.intakes[*].comune": "comuni",
    "query.need": "needs",
    "query.territory": "territories",
}


# --- checks of this API's own conventions (registered by name, enabled per run) ------------


def _op(case) -> tuple[str, str]:
    return case.operation.method.upper(), case.operation.path


@schemathesis.check
def errors_name_the_field(ctx, response, case) -> None:
    """Every error body has the documented shape, and a 400 or 422 names each bad field."""
    if response.status_code < 400 or _op(case) == ("GET", "/readyz"):
        return None
    body = response.json()
    assert isinstance(body.get("detail"), str) and isinstance(body.get("errors"), list), body
    if response.status_code in (400, 422):
        assert body["errors"], body
        for err in body["errors"]:
            assert (err.get("field") or "").split(".")[0].split("[")[0] in ("body", "query", "path", "header"), body
    return None


@schemathesis.check
def batch_accounts_for_every_intake(ctx, response, case) -> None:
    """A 200 from the batch has one item per intake, in order, each with either a match or
    errors whose field is inside that intake; a schema-violating request that is not refused
    as a whole reports at least one failed intake."""
    if _op(case) != ("POST", "/v1/match/batch") or response.status_code != 200:
        return None
    body = response.json()
    items = body["items"]
    assert body["matched"] + body["failed"] == len(items) == len(case.body["intakes"]), body
    for i, item in enumerate(items):
        assert item["index"] == i and (item["match"] is None) != (item["errors"] is None), item
        for err in item["errors"] or []:
            assert (err["field"] or "").startswith(f"body.intakes[{i}]"), err
    if case.meta is not None and case.meta.generation.mode == GenerationMode.NEGATIVE:
        assert body["failed"] >= 1, body
    return None


def _body_is_not_json(response) -> bool:
    errors = response.json().get("errors") if response.status_code in (400, 422) else None
    return bool(errors) and all(e["field"] == "body" and e["message"].startswith("malformed JSON") for e in errors)


@schemathesis.check
def key_is_required(ctx, response, case) -> None:
    """Without a valid key every ``/v1`` route but the reference data answers 401 with a
    challenge; the public routes never ask for a key.

    Refused before the key is looked at, and so not 401: an unexpected method (405), an
    oversized body (413, the body limit runs first) and a body that is not JSON at all
    (FastAPI parses it before it runs the route's dependencies, the key check among them);
    those answers hold nothing of the tenant's."""
    if _op(case) in PUBLIC:
        assert response.status_code != 401, response.text
    elif response.status_code not in (405, 413) and not _body_is_not_json(response):
        assert response.status_code == 401, f"{response.status_code}: {response.text[:300]}"
        assert response.headers.get("www-authenticate"), response.headers
    return None


# --- configuration and engine ------------------------------------------------------------


def _disable(check: str, operations: list[tuple[str, str]]) -> list[dict]:
    # ``include-name`` (the label, "GET /v1/services"): separate method and path filters are OR-ed.
    return [{"include-name": f"{m} {p}", "checks": {check: {"enabled": False}}} for m, p in operations]


def _config(headers: dict[str, str], mode: str, max_examples: int, values: dict[str, list] | None = None, anonymous: bool = False) -> schemathesis.Config:
    values = values or {}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": headers,
            "generation": {
                "mode": mode,
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # The key (or its absence) comes from ``headers``: generated X-API-Key and
                # Authorization values would compete with it, and either scheme authenticates.
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True, "error-feedback": {"enabled": False}},
                "stateful": {"enabled": False},
            },
            "checks": {
                "positive_data_acceptance": {"enabled": not anonymous},
                "errors_name_the_field": {"enabled": True},
                "batch_accounts_for_every_intake": {"enabled": not anonymous},
                "key_is_required": {"enabled": anonymous},
            },
            "dictionaries": {name: {"values": v} for name, v in values.items()},
            "parameters": {key: {"dictionary": name, "probability": 0.5} for key, name in BINDINGS.items() if name in values},
            "operations": _disable("positive_data_acceptance", DOMAIN_VALIDATED) + _disable("negative_data_rejection", PER_ITEM_VALIDATED),
        }
    )


def run_schemathesis(app, config: schemathesis.Config, operations: list[tuple[str, str]]) -> int:
    """Run the engine on ``operations``; fail with every distinct problem it found. Returns
    the number of requests sent."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    # ``exclude``: the per-operation ``operations`` entries of the config already act as an
    # include filter matching everything, and include filters are OR-ed.
    schema = schema.exclude(func=lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) not in operations)
    problems: dict[tuple, str] = {}
    sent = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent += len(event.recorder.interactions)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        f = node.failure_info.failure
                        problems.setdefault(
                            (event.label, node.name, f.title), f"{event.label} [{event.phase.value}] {node.name}: {f.title}\n{f.message}\n{node.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            problems.setdefault((event.label, "error"), f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    assert not problems, "\n\n".join(problems.values())
    return sent


# --- fixtures ----------------------------------------------------------------------------


def _values(env: ApiEnv) -> dict[str, list]:
    """One stored match of tenant ``alpha`` and the identifiers worth steering towards."""
    body = {"id": "fuzz-1", "comune": "Bergamo", "notes": "mamma sola con un bambino di due anni, cerca un asilo nido", "as_of": AS_OF}
    r = env.client.post("/v1/match", json=body, headers=env.h())
    assert r.status_code == 200, r.text
    match = r.json()
    assert match["results"], match
    services = env.client.get("/v1/services", params={"limit": 20}, headers=env.h()).json()["items"]
    return {
        "match_ids": [match["match_id"]],
        "suggested": [x["service_id"] for x in match["results"]],
        "service_ids": [s["service_id"] for s in services],
        "comuni": ["Bergamo", "016024", "Lovere", "Padova", "treviglio"],
        "needs": [n["code"] for n in env.client.get("/v1/needs").json()],
        "territories": ["BG", "PD", "Lombardia", "016024", "Lovere"],
    }


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory: pytest.TempPathFactory, small_catalogue_path: Path) -> Iterator[ApiEnv]:
    """One SQLite store for the module: operations run in schema order, and none of the
    generated requests can replace alpha's catalogue (a random body is not a valid CSV)."""
    yield from make_env(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.sqlite3'}", small_catalogue_path)


@pytest.fixture(scope="module")
def sqlite_values(sqlite_env: ApiEnv) -> dict[str, list]:
    return _values(sqlite_env)


def _label(op: tuple[str, str]) -> str:
    return f"{op[0]} {op[1]}"


# --- tests -------------------------------------------------------------------------------


def test_every_documented_operation_is_fuzzed(sqlite_env: ApiEnv) -> None:
    paths = sqlite_env.client.get("/openapi.json").json()["paths"]
    assert sorted((m.upper(), p) for p, ops in paths.items() for m in ops) == sorted(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS, ids=_label)
def test_operation_conforms_to_its_schema(operation, sqlite_env: ApiEnv, sqlite_values: dict[str, list]) -> None:
    key = sqlite_env.alpha_admin_key if operation in ADMIN_ONLY else sqlite_env.alpha_key
    config = _config({"X-API-Key": key}, "all", MAX_EXAMPLES, sqlite_values)
    assert run_schemathesis(sqlite_env.client.app, config, [operation]) > 0


@pytest.fixture
def store_env(db_url: str, small_catalogue_path: Path) -> Iterator[ApiEnv]:
    yield from make_env(db_url, small_catalogue_path)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_storage_operations_conform_on_postgresql(store_env: ApiEnv) -> None:
    config = _config({"Authorization": f"Bearer {store_env.alpha_key}"}, "all", 10, _values(store_env))
    assert run_schemathesis(store_env.client.app, config, STORAGE) > 0


NO_VALID_KEY = {
    "no key": {},
    "unknown key": {"X-API-Key": "wm_000000000000_not-a-real-secret"},
    "not a key": {"Authorization": "Bearer not-a-key"},
    "empty key": {"X-API-Key": ""},
    "other scheme": {"Authorization": "Basic d206c2VjcmV0"},
}


@pytest.mark.parametrize("headers", list(NO_VALID_KEY.values()), ids=list(NO_VALID_KEY))
def test_without_a_valid_key_every_v1_route_is_401(headers: dict[str, str], sqlite_env: ApiEnv) -> None:
    config = _config(headers, "all", 5, anonymous=True)
    assert run_schemathesis(sqlite_env.client.app, config, OPERATIONS) > 0
