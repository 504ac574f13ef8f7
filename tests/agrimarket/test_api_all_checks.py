"""schemathesis with every check over the served OpenAPI: the document tells the truth.

What ``st run --checks all`` does, in process (the engine over schemathesis' ASGI transport): the
coverage phase (boundary values, missing and unspecified methods, OPTIONS) and the fuzzing phase,
positive and negative. A request valid by the schema must be accepted (``positive_data_acceptance``),
an invalid one refused, ``Allow`` must list the documented methods, and nothing may answer 5xx.

A few rules depend on the database or on a file's content, which no schema can state: a 422 that
names only such a field is the service's right answer to schema-valid data (``CONTEXTUAL``).
"""

from __future__ import annotations

import asyncio
import json

import pytest
import schemathesis
from schemathesis.config import HealthCheck, SchemathesisConfig
from schemathesis.engine import events, from_schema

from agrimarket.web.input import MAX_ID, cleaned
from tests.agrimarket.test_api_fuzzing import _bearer_headers

MAX_EXAMPLES = 3
SEED = 19

# (method, path) -> the body or query fields whose 422 is contextual, each with why.
COMMUNE = {"commune_code": "a commune code of the register (the database)"}
# A staff member or a coop manager names the owner household; a household owns what it makes.
OWNER = {"owner_household_id": "required unless the caller is a household (who calls)"}
PRODUCT_RULES = {
    "gtin": "a GTIN's check digit",
    "certifications": "one OCOP star rating at most (a rule across items)",
}
# Marketplaces a deployment enables (settings), with their adapters.
MARKETPLACE = {"marketplace": "a marketplace this deployment enables"}
CONTEXTUAL: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/areas/communes/{code}"): {"code": "a commune code of the register (the database)"},
    ("POST", "/api/v1/auth/register"): COMMUNE,
    ("POST", "/api/v1/cooperatives"): COMMUNE | {"tax_code": "a tax code's check digit"},
    ("POST", "/api/v1/cooperatives/{coop_id}/members"): COMMUNE,
    ("POST", "/api/v1/packing-facilities"): COMMUNE | OWNER,
    ("POST", "/api/v1/growing-areas"): COMMUNE
    | OWNER
    | {
        "official_code": "the registry's code pattern, a deployment setting (TraceabilitySettings)",
        "code_kind": "required once an official code is given (across fields)",
        "export_market": "required for an export code (across fields)",
    },
    ("POST", "/api/v1/trainings"): COMMUNE,
    ("POST", "/api/v1/marketplace-accounts"): MARKETPLACE,
    ("POST", "/api/v1/products/{product_id}/listings"): MARKETPLACE,
    ("POST", "/api/v1/declared-listings"): {"household_id": "exactly one owner (across fields)"},
    ("POST", "/api/v1/stamps/revoke"): {
        "serial": "exactly one target: a serial, a range, an issuance or a batch (across fields)",
        "from_seq": "a range within the issuance (across fields and the database)",
    },
    ("POST", "/api/v1/products"): OWNER | PRODUCT_RULES,
    ("PATCH", "/api/v1/products/{product_id}"): PRODUCT_RULES,
    ("POST", "/api/v1/products/{product_id}/photos"): {"photo": "a photo's content must be an image"},
    ("POST", "/api/v1/household-imports"): {"file": "a spreadsheet's content must be a sheet"},
    ("POST", "/api/v1/trainings/{training_id}/attendance"): {"file": "a spreadsheet's content"},
    ("POST", "/api/v1/orders/{order_id}/cancel"): {"reason": "one of the order's marketplace's reasons"},
    ("POST", "/api/v1/orders/{order_id}/ship"): {
        "address_id": "a pickup names its address (across fields)",
        "slot_id": "a pickup names its time slot (across fields)",
    },
    ("POST", "/api/v1/me/confirm"): {
        "password": "the account's own password (the database)",
        "code": "a code sent to the account's phone (the database)",
    },
    # Said in words an officer can act on (Litestar's own check of a required parameter would not).
    ("GET", "/api/v1/households/export.csv"): {
        "reason": "required, at least 10 characters (the service's check)"
    },
    ("POST", "/api/v1/push-subscriptions"): {
        "endpoint": "a browser push service's address (who we may call)"
    },
}
# Logging out ends the very token the rest of the run authenticates with.
SKIPPED_FOR_SIGNED_IN = {("POST", "/api/v1/auth/logout")}


def _config(headers: dict[str, str]) -> SchemathesisConfig:
    config = SchemathesisConfig()
    config.update(seed=SEED, max_failures=None, suppress_health_check=[HealthCheck.all])
    project = config.projects.override
    project.update(headers=headers or None)
    project.phases.update(phases=["coverage", "fuzzing"])
    project.checks.update(included_check_names=["all"])
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, no_shrink=True, database="none")
    return config


def _contextual(operation: str, status: int, body: bytes | None) -> bool:
    """A 422 whose fields are all ones the schema cannot state for this operation."""
    method, path = operation.split(" ", 1)
    allowed = CONTEXTUAL.get((method, path))
    if status != 422 or not allowed or not body:
        return False
    fields = set(json.loads(body).get("error", {}).get("fields", {}))
    return bool(fields) and fields <= set(allowed)


def _valid_once_cleaned(body) -> bool:
    """Input cleans every string before any rule (agrimarket.web.input): a body whose only fault
    was invisible characters is a valid one once they are gone."""
    return isinstance(body, dict) and cleaned(body) != body


def _filter_finds_nothing(case, status: int, content: bytes | None) -> bool:
    """A list filtered by an id beyond MAX_ID (no row can have it) answers an empty list on SQLite,
    whose rowid takes such numbers; PostgreSQL's SERIAL refuses them (422)."""
    numbers = [int(v) for v in (case.query or {}).values() if isinstance(v, int) or str(v).isdigit()]
    beyond = any(number > MAX_ID for number in numbers)
    return case.method.upper() == "GET" and beyond and status == 200 and json.loads(content or b"null") == []


def _failures(event: events.ScenarioFinished) -> list[str]:
    found = []
    recorder = event.recorder
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            status = response.status_code if response else 0
            content = response.content if response else None
            if check.name == "positive_data_acceptance" and _contextual(failure.operation, status, content):
                continue
            case = recorder.cases[case_id].value
            if check.name == "negative_data_rejection" and (
                _valid_once_cleaned(case.body) or _filter_finds_nothing(case, status, content)
            ):
                continue
            answer = (content or b"")[:300].decode(errors="replace")
            found.append(
                f"{failure.title} [{check.name}] {status} {answer}\n{check.failure_info.code_sample}"
            )
    return found


def _run(app, headers: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_config(headers))
    if headers:
        for method, path in SKIPPED_FOR_SIGNED_IN:
            schema = schema.exclude(method=method, path=path)
    failures: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested.add(event.recorder.label)
            failures += _failures(event)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event!r}")
    assert len(tested) > 90, sorted(tested)  # every operation of the API ran
    return list(dict.fromkeys(failures))


@pytest.mark.parametrize("role", ["anonymous", "household", "admin"])
async def test_every_check_passes(app, accounts, role):
    headers = await _bearer_headers(accounts, role)
    failures = await asyncio.to_thread(_run, app, headers)
    assert not failures, f"{len(failures)} failures\n\n" + "\n\n".join(failures)
