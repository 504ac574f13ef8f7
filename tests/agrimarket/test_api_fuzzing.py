"""schemathesis over the served OpenAPI, once per role: no 5xx, every answer as documented.

The app is called in-process (schemathesis' ASGI transport); hypothesis is derandomized and bounded
so a run is repeatable and takes seconds per role. Every failure of every operation is collected
and reported together, each with a curl command that replays it.
"""

from __future__ import annotations

import asyncio

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agrimarket.accounts.actor import Role
from agrimarket.tables import Cooperative, Household, Product, User

EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Logging out ends the very token the rest of the run authenticates with.
SKIPPED_FOR_SIGNED_IN = {("POST", "/api/v1/auth/logout")}


async def _bearer_headers(accounts, role: str) -> dict[str, str]:
    """A signed-in user of the role, owning a few records so generated small ids hit real rows."""
    if role == "anonymous":
        return {}
    if role == "household":
        session = await accounts.household()
        await accounts.product(session)
    elif role == "coop_manager":
        session, _ = await accounts.coop_manager()
        await accounts.product(session)
    else:
        session = await accounts.staff(Role(role))
    return session.headers


def _unchanged(case):
    return case


def _fuzz(operation, headers: dict[str, str], transform=_unchanged) -> list[str]:
    failures: list[str] = []

    @hypothesis.given(case=operation.as_strategy().map(transform))
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{operation.label}: {exc}\n  {case.as_curl_command(headers=headers)}")
            raise

    try:
        run()
    except (Exception, FailureGroup) as exc:
        if not failures:
            failures.append(f"{operation.label}: {exc!r}")
    return failures[:1]


def _campaign(app, headers: dict[str, str], transform=_unchanged) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if headers and (operation.method.upper(), operation.path) in SKIPPED_FOR_SIGNED_IN:
            continue
        failures += _fuzz(operation, headers, transform)
    return failures


@pytest.mark.parametrize("role", ["anonymous", "household", "coop_manager", "officer", "admin"])
async def test_every_operation_answers_as_documented(app, accounts, role):
    headers = await _bearer_headers(accounts, role)
    failures = await asyncio.to_thread(_campaign, app, headers)
    assert not failures, "\n\n".join(failures)


# Nested JSON: 100,000 levels of arrays as the body of every operation that takes JSON. The decoder
# must refuse it as the client's error (our 400), not recurse into a 500. (Hypothesis raises the
# recursion limit while it runs, so the 1,000 levels of tests/agrimarket/test_nested_json.py would
# decode here.)
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def _takes_json(operation) -> bool:
    return "application/json" in (operation.definition.raw.get("requestBody") or {}).get("content", {})


def _deeply_nested(operation, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @hypothesis.given(case=operation.as_strategy())  # only for the path parameters
    @hypothesis.settings(
        max_examples=1,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers=headers | {"Content-Type": "application/json"}, data=DEEP_JSON)
        if response.status_code >= 500 or set(response.json().get("error", {})) != {
            "code",
            "message",
            "fields",
        }:
            failures.append(f"{operation.label}: {response.status_code} {response.text[:200]}")

    run()
    return failures


def _nested_campaign(app, headers: dict[str, str]) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if _takes_json(op)]
    failures: list[str] = []
    for operation in operations:
        failures += _deeply_nested(operation, headers)
    return len(operations), failures


@pytest.mark.parametrize("role", ["anonymous", "admin"])
async def test_deeply_nested_json_is_refused_by_every_operation(app, accounts, role):
    headers = await _bearer_headers(accounts, role)
    tried, failures = await asyncio.to_thread(_nested_campaign, app, headers)
    assert tried > 20  # every JSON-taking operation of the API, not a handful
    assert not failures, "\n".join(failures)


# Non-ASCII digits: the same run with every digit of every generated string written in another
# script (full-width in queries, Arabic-Indic in bodies), which int(), str.isdigit() and \d accept.
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _foreign_digits(value, table):
    if isinstance(value, str):
        return value.translate(table)
    if isinstance(value, list):
        return [_foreign_digits(item, table) for item in value]
    if isinstance(value, dict):
        return {key: _foreign_digits(item, table) for key, item in value.items()}
    return value


def _with_foreign_digits(case):
    if isinstance(case.body, dict | list | str):
        case.body = _foreign_digits(case.body, ARABIC_INDIC)
    if case.query:
        case.query = _foreign_digits(dict(case.query), FULL_WIDTH)
    return case


@pytest.mark.parametrize("role", ["anonymous", "household", "coop_manager"])
async def test_non_ascii_digits_answer_as_documented_and_are_never_stored(app, accounts, role):
    headers = await _bearer_headers(accounts, role)
    failures = await asyncio.to_thread(_campaign, app, headers, _with_foreign_digits)
    assert not failures, "\n\n".join(failures)
    stored = [
        *await User.select(User.phone).output(as_list=True),
        *await Household.select(Household.phone).output(as_list=True),
        *await Product.select(Product.gtin).where(Product.gtin.is_not_null()).output(as_list=True),
        *await Cooperative.select(Cooperative.tax_code).output(as_list=True),
    ]
    assert all(value.isascii() for value in stored), stored
