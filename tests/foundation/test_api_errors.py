"""Regressions found by the API fuzz (tests/fuzz): every error is a documented 4xx with ``code``.

Integers too large for the database columns once crashed SQLite (cannot bind) and PostgreSQL (an
INTEGER column); unparseable bodies and unknown paths answered without ``code``; streamed exports
were documented as JSON.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ggzy_credit.records.models import CreditRecord

HUGE = 10**28  # beyond 64 bits: SQLite cannot bind it
WIDE = 3_000_000_000  # beyond INTEGER: PostgreSQL refuses it for an id column


def field_of(response) -> list:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid"
    return [p["loc"] for p in body["detail"]]


@pytest.mark.parametrize("value", [HUGE, WIDE, 0])
@pytest.mark.parametrize(
    ("method", "path", "loc"),
    [
        ("get", "/api/v1/subjects/{v}", ["path", "subject_id"]),
        ("get", "/api/v1/records/{v}", ["path", "record_id"]),
        ("get", "/api/v1/complaints/{v}/evidence/abc", ["path", "complaint_id"]),
        ("post", "/api/v1/warnings/{v}/dismiss", ["path", "warning_id"]),
        ("get", "/api/v1/repairs/{v}", ["path", "application_id"]),
        ("get", "/api/v1/subjects?offset={v}", ["query", "offset"]),
        ("get", "/api/v1/audit?record_id={v}", ["query", "record_id"]),
    ],
)
def test_ids_beyond_the_columns_are_422_naming_the_parameter(client, auth, method, path, loc, value):  # type: ignore[no-untyped-def]
    if value == 0 and loc[1] == "offset":
        return  # offset 0 is the first page
    response = client.request(method, path.format(v=value), headers=auth("admin"), json={"reason": "核查"})
    assert loc in field_of(response)


def test_ids_in_bodies_and_forms_are_bounded(client, auth, db, make_subject):  # type: ignore[no-untyped-def]
    body = {
        "platform": "gov_procurement",
        "subject_id": HUGE,
        "item_code": "X",
        "occurred_on": "2026-01-05",
    }
    assert ["body", "subject_id"] in field_of(
        client.post("/api/v1/records", json=body, headers=auth("recorder"))
    )
    approval = {"kind": "bulk_export", "purpose": "核查", "subject_ids": [WIDE]}
    assert ["body", "subject_ids", 0] in field_of(
        client.post("/api/v1/approvals", json=approval, headers=auth("regulator"))
    )
    complaint = {"subject_id": str(HUGE), "reason": "串通投标", "contact": "13800000000"}
    assert ["body", "subject_id"] in field_of(client.post("/api/v1/complaints", data=complaint))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_framework_errors_carry_a_code(client, auth):  # type: ignore[no-untyped-def]
    headers = auth("admin") | {"Content-Type": "application/json"}
    broken = client.post("/api/v1/subjects", content=b"\xff\xfe{", headers=headers)
    assert broken.status_code in (400, 422) and broken.json()["code"] in ("bad_request", "invalid")
    missing = client.get("/api/v1/no-such-thing", headers=auth("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = client.put("/api/v1/data-list")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_openapi_documents_the_error_responses(client):  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}
    paths = schema["paths"]
    private = paths["/api/v1/subjects/{subject_id}"]["get"]["responses"]
    assert {"400", "401", "403", "404", "409", "422", "503"} <= set(private)
    assert private["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    public = paths["/api/v1/data-list"]["get"]["responses"]
    assert "401" not in public and "429" in public  # public, with a rate bucket
    kept = paths["/api/v1/auth/login"]["post"]["responses"]["401"]
    assert kept["description"] == "用户名、密码或动态口令错误"  # a route's own wording is kept
    export = paths["/api/v1/exports/public-records"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/x-ndjson", "text/csv"}
    ids = paths["/api/v1/subjects/{subject_id}"]["get"]["parameters"][0]["schema"]
    assert ids["minimum"] == 1 and ids["maximum"] == 2**31 - 1
