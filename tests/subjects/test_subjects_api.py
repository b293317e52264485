"""Subject registry over HTTP: validation with python-stdnum, uniqueness, encryption, masking."""

from __future__ import annotations

from sqlalchemy import select

from ggzy_credit.subjects.models import Subject

LEGAL = {
    "type": "legal",
    "name": "上海浦江建设工程有限公司",
    "uscc": "91310115MA1K4A2X6N",
    "address": "上海市浦东新区张江路 88 号",
    "legal_representative": "王建国",
    "contact_person": "李敏",
    "contact_phone": "13812345678",
    "kinds": ["responder"],
}
NATURAL = {
    "type": "natural",
    "name": "张伟",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "address": "北京市朝阳区建国路 1 号",
    "kinds": ["expert"],
}


def valid_legal(fake, **over):  # type: ignore[no-untyped-def]
    return LEGAL | {"uscc": fake.uscc()} | over


def test_create_legal_person_validates_and_masks(client, auth, fake, db):  # type: ignore[no-untyped-def]
    body = valid_legal(fake)
    r = client.post("/api/v1/subjects", json=body, headers=auth("recorder"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["uscc"] == body["uscc"] and out["kinds"] == ["responder"]
    assert out["phone"] == "138****5678"
    with db.session() as s:
        row = s.scalar(select(Subject).where(Subject.id == out["id"]))
        assert row.phone_enc and b"13812345678" not in row.phone_enc


def test_create_natural_person_encrypts_id_number(client, auth, db, cipher):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/subjects", json=NATURAL, headers=auth("admin"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["id_number"] == "1101**********002X"
    assert out["gender"] == "女"  # 17th digit 2 is even
    with db.session() as s:
        row = s.get(Subject, out["id"])
        assert b"11010519491231002X" not in row.id_number_enc
        assert cipher.decrypt(row.id_number_enc, "subjects.id_number") == "11010519491231002X"
    found = client.get(
        "/api/v1/subjects", params={"id_number": "11010519491231002x"}, headers=auth("regulator")
    )
    assert found.json()["total"] == 1 and found.json()["items"][0]["id"] == out["id"]


def test_bad_uscc_check_character_names_the_field(client, auth, db):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/subjects", json=LEGAL | {"uscc": "91110000600037341X"}, headers=auth("recorder"))
    assert r.status_code == 422
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "uscc"] and problem["type"] == "invalid_check_character"
    assert "校验位" in problem["msg"]
    with db.session() as s:
        assert s.scalar(select(Subject.id)) is None


def test_bad_id_number_check_digit_names_the_field(client, auth):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/subjects", json=NATURAL | {"id_number": "110105194912310021"}, headers=auth("recorder")
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "id_number"]


def test_duplicate_uscc_returns_existing_id(client, auth, fake):  # type: ignore[no-untyped-def]
    body = valid_legal(fake)
    first = client.post("/api/v1/subjects", json=body, headers=auth("recorder")).json()
    again = client.post(
        "/api/v1/subjects", json=body | {"name": "另一个名称有限公司"}, headers=auth("recorder")
    )
    assert again.status_code == 409 and again.json()["existing_id"] == first["id"]


def test_duplicate_id_number_returns_existing_id(client, auth):  # type: ignore[no-untyped-def]
    first = client.post("/api/v1/subjects", json=NATURAL, headers=auth("recorder")).json()
    lower = NATURAL | {"id_number": NATURAL["id_number"].lower(), "name": "张伟伟"}
    again = client.post("/api/v1/subjects", json=lower, headers=auth("recorder"))
    assert again.status_code == 409 and again.json()["existing_id"] == first["id"]


def test_missing_and_wrong_type_fields(client, auth, fake):  # type: ignore[no-untyped-def]
    missing = {k: v for k, v in LEGAL.items() if k != "name"}
    r = client.post("/api/v1/subjects", json=missing, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "name"
    r = client.post("/api/v1/subjects", json=LEGAL | {"kinds": "responder"}, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "kinds"
    r = client.post("/api/v1/subjects", json=LEGAL | {"kinds": ["bidder"]}, headers=auth("recorder"))
    assert r.status_code == 422 and "kinds" in r.json()["detail"][0]["loc"]
    r = client.post("/api/v1/subjects", json=LEGAL | {"type": "robot"}, headers=auth("recorder"))
    assert r.status_code == 422
    r = client.post(
        "/api/v1/subjects", json=valid_legal(fake, contact_phone="12345"), headers=auth("recorder")
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "contact_phone"]


def test_kinds_must_fit_the_type_of_person(client, auth, fake):  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/subjects", json=valid_legal(fake, kinds=["expert"]), headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "kinds"]


def test_practitioner_links_to_an_intermediary(client, auth, fake):  # type: ignore[no-untyped-def]
    agency = client.post(
        "/api/v1/subjects", json=valid_legal(fake, kinds=["intermediary"]), headers=auth("recorder")
    )
    bidder = client.post("/api/v1/subjects", json=valid_legal(fake), headers=auth("recorder"))
    person = NATURAL | {"kinds": ["practitioner"]}
    r = client.post("/api/v1/subjects", json=person, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "intermediary_id"]
    r = client.post(
        "/api/v1/subjects", json=person | {"intermediary_id": bidder.json()["id"]}, headers=auth("recorder")
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/subjects", json=person | {"intermediary_id": agency.json()["id"]}, headers=auth("recorder")
    )
    assert r.status_code == 201 and r.json()["intermediary_id"] == agency.json()["id"]


def test_one_subject_may_have_several_kinds(client, auth, fake):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/subjects", json=valid_legal(fake, kinds=["responder", "initiator"]), headers=auth("recorder")
    )
    assert r.status_code == 201 and r.json()["kinds"] == ["initiator", "responder"]


def test_update_and_search(client, auth, fake):  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/subjects", json=valid_legal(fake), headers=auth("recorder")).json()
    r = client.patch(
        f"/api/v1/subjects/{created['id']}",
        json={"address": "上海市徐汇区漕溪北路 1 号", "contact_phone": "021-64871234"},
        headers=auth("recorder"),
    )
    assert r.status_code == 200 and r.json()["address"].startswith("上海市徐汇区")
    assert r.json()["phone"].endswith("1234") and "6487" not in r.json()["phone"]
    r = client.patch(
        f"/api/v1/subjects/{created['id']}", json={"uscc": "91110000600037341L"}, headers=auth("recorder")
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "uscc"
    r = client.patch(f"/api/v1/subjects/{created['id']}", json={"gender": "男"}, headers=auth("recorder"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "gender"]
    by_name = client.get("/api/v1/subjects", params={"q": "浦江建设"}, headers=auth("regulator")).json()
    assert by_name["total"] == 1
    by_uscc = client.get("/api/v1/subjects", params={"uscc": created["uscc"]}, headers=auth("bank")).json()
    assert by_uscc["items"][0]["id"] == created["id"]
    assert client.get("/api/v1/subjects", params={"q": "%"}, headers=auth("bank")).json()["total"] == 0
    assert client.get("/api/v1/subjects/999999", headers=auth("bank")).status_code == 404
    assert (
        client.patch(
            "/api/v1/subjects/999999", json={"name": "不存在公司"}, headers=auth("admin")
        ).status_code
        == 404
    )


def test_registry_requires_a_token_and_a_writer_role(client, auth, fake):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/subjects").status_code == 401
    assert client.get("/api/v1/subjects", headers={"Authorization": "Bearer nope"}).status_code == 401
    for role in ("reviewer", "regulator", "bank"):
        r = client.post("/api/v1/subjects", json=valid_legal(fake), headers=auth(role))
        assert r.status_code == 403, role
