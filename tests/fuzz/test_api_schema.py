"""Schemathesis over the published OpenAPI schema: every operation, with credentials the route admits.

One test per database runs every operation as a subtest against one app. For each operation the test
picks a role the route's policy allows (so generated requests reach the handler) and sends every
eighth case without credentials (a non-public route must answer 401). Every response must be a
non-5xx whose status code, content type and body the schema documents. Positive and negative
(schema-violating) cases are mixed; the example count is bounded and derandomized so the run is
reproducible. Counts appear in the fuzz summary at the end of the run.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ggzy_credit.auth.policy import Policy, api_routes, policy_of
from ggzy_credit.auth.roles import Role
from ggzy_credit.web.app import create_app

MAX_EXAMPLES = {"sqlite": 12, "postgresql": 6}
UNAUTHENTICATED_EVERY = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Roles tried first: staff reach the most handlers; a market entity only when nothing else is allowed.
PREFERENCE = (Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR, Role.BANK, Role.SUBJECT)
CONFIG = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
NO_LIMITS = {"rate_login_per_minute": 0, "rate_search_per_minute": 0, "rate_public_per_minute": 0}


def credentials_for(policy: Policy | None, account: Any, subject_id: int) -> dict[str, str]:
    """Fresh headers of a role ``policy`` admits (none for public routes): rotating or revoking them
    while fuzzing one operation cannot spoil the next."""
    if policy is None or policy.public:
        return {}
    open_roles = [r for r in PREFERENCE if r in policy.roles and r not in policy.own]
    role = open_roles[0] if open_roles else Role.SUBJECT
    return account(*((subject_id,) if role is Role.SUBJECT else ()), role=role)  # type: ignore[no-any-return]


def fuzz(
    operation: Any, policy: Policy | None, headers: dict[str, str], examples: int, counts: Counter[str]
) -> None:
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    public = policy is not None and policy.public
    seen = Counter[str]()

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows its reproducing curl
    )
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        seen["cases"] += 1
        counts["cases"] += 1
        anonymous = seen["cases"] % UNAUTHENTICATED_EVERY == UNAUTHENTICATED_EVERY // 2
        response = case.call(headers={} if anonymous else headers)
        if response.status_code >= 500:
            counts["server_errors"] += 1
        if anonymous:
            counts["unauthenticated"] += 1
            if not public:  # FastAPI parses the body before access is decided: an unparseable one is 400/422
                unparseable = response.status_code == 400 or "json_invalid" in response.text
                assert response.status_code == 401 or unparseable, (response.status_code, response.text[:300])
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception:
            counts["failed_checks"] += 1
            raise

    run()


def test_every_operation_conforms_to_schema(db, account, make_subject, fuzz_counts, subtests):  # type: ignore[no-untyped-def]
    app = create_app(db.settings.model_copy(update=NO_LIMITS), db.engine)
    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    schema.app = app
    policies = {(method.lower(), path): policy_of(route) for method, path, route in api_routes(app)}
    subject_id = make_subject("responder")
    for result in schema.get_all_operations():
        operation = result.ok()
        policy = policies[(operation.method.lower(), operation.path)]
        fuzz_counts["operations"] += 1
        with subtests.test(msg=operation.label):
            fuzz(
                operation,
                policy,
                credentials_for(policy, account, subject_id),
                MAX_EXAMPLES[db.backend],
                fuzz_counts,
            )
