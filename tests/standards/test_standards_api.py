"""Public reading of platforms, standards (as of a date) and the data list."""

from __future__ import annotations

EXPECTED = {"centre", "gov_procurement", "engineering", "medical", "land_mining"}
ITEM_FIELDS = {"code", "name", "category", "applies_to", "points", "legal_basis", "public"}


def test_platforms_are_public(client):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/platforms")
    assert r.status_code == 200
    codes = {p["code"] for p in r.json()}
    assert codes >= EXPECTED
    centre = next(p for p in r.json() if p["code"] == "centre")
    assert centre["current_version"] and any(v["version"] == "2027.1" for v in centre["versions"])


def test_standard_items_carry_the_published_fields(client):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/standards/gov_procurement")
    assert r.status_code == 200
    body = r.json()
    assert body["bands"] and body["measures"] and body["items"]
    assert all(set(item) >= ITEM_FIELDS for item in body["items"])


def test_standard_as_of_a_date(client):  # type: ignore[no-untyped-def]
    now = client.get("/api/v1/standards/centre").json()
    later = client.get("/api/v1/standards/centre", params={"as_of": "2027-01-01"}).json()
    assert now["version"] != "2027.1" and later["version"] == "2027.1"
    assert client.get("/api/v1/standards/centre", params={"as_of": "1990-01-01"}).status_code == 404
    bad = client.get("/api/v1/standards/centre", params={"as_of": "2026-02-30"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert client.get("/api/v1/standards/nowhere").status_code == 404


def test_versions_and_data_list(client):  # type: ignore[no-untyped-def]
    versions = client.get("/api/v1/standards/engineering/versions").json()
    assert [v["version"] for v in versions][:2] == ["2023.1", "2024.1"]
    one = client.get("/api/v1/standards/engineering/versions/2023.1")
    assert one.status_code == 200 and one.json()["effective_from"] == "2023-01-01"
    assert client.get("/api/v1/standards/engineering/versions/1999.1").status_code == 404
    data_list = client.get("/api/v1/data-list")
    assert data_list.status_code == 200 and len(data_list.json()["entries"]) >= 10


def test_openapi_is_published(client):  # type: ignore[no-untyped-def]
    schema = client.get("/openapi.json").json()
    assert "/api/v1/records/batch" in schema["paths"]
