"""GET /api/v1/public/subjects/{id}/scores: the portal's score cards in JSON, no login, not audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from ggzy_credit import clock
from ggzy_credit.audit.models import AuditEntry

TODAY = date(2025, 6, 1)
URL = "/api/v1/public/subjects/{}/scores"


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with clock.freeze(TODAY):
        yield


def audit_lines(db) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_scores_and_labels_without_login(client, make_subject, post, db):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-005", date(2025, 1, 10))  # 10 points
    post(bidder, "GP-R-001", date(2025, 3, 1))  # 30 points
    before = audit_lines(db)
    r = client.get(URL.format(bidder))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "subject_id": bidder,
        "as_of": "2025-06-01",
        "scores": [
            {
                "platform": "gov_procurement",
                "platform_name": r.json()["scores"][0]["platform_name"],
                "score": 60,
                "points": 40,
                "label": "C",
                "label_name": "失信警示",
                "cycle_end": "2026-03-01",
            }
        ],
    }
    assert audit_lines(db) == before  # public information: no enquiry line
    assert r.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in r.headers


def test_no_personal_data(client, make_subject, db, cipher):  # type: ignore[no-untyped-def]
    from ggzy_credit.subjects.models import Subject

    expert = make_subject("expert")  # a natural person: name, ID number and phone are personal data
    with db.session() as session:
        subject = session.get(Subject, expert)
        assert subject is not None
        name = subject.name
    r = client.get(URL.format(expert))
    assert r.status_code == 200 and set(r.json()) == {"subject_id", "as_of", "scores"}
    assert name not in r.text


def test_subject_without_records_has_no_cards(client, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject("responder")
    assert client.get(URL.format(subject)).json()["scores"] == []


@pytest.mark.parametrize(("subject", "status"), [("999999", 404), ("abc", 422), ("0", 422), ("-1", 422)])
def test_bad_subject(client, subject, status):  # type: ignore[no-untyped-def]
    r = client.get(URL.format(subject))
    assert r.status_code == status, r.text
    assert r.json()["code"]


def test_rate_limited_like_other_public_routes(db):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from ggzy_credit.web.app import create_app

    settings = db.settings.model_copy(update={"rate_public_per_minute": 2})
    with TestClient(create_app(settings, db.engine)) as client:
        codes = [client.get(URL.format(1)).status_code for _ in range(3)]
    assert codes[-1] == 429


def test_same_cards_as_the_portal(direct, db):  # type: ignore[no-untyped-def]
    """Revocations, repairs that stop counting, several platforms, future records: as the portal."""
    from ggzy_credit.portal.scores import cards
    from ggzy_credit.scoring.public_scores import public_cards

    platforms = sorted(direct.platforms)[:3]
    subjects = [direct.subject() for _ in range(4)]
    a, b, c, _empty = subjects
    r1 = direct.record(a, platforms[0], date(2025, 1, 10), 10)
    direct.record(a, platforms[0], date(2025, 3, 1), 30)
    direct.record(a, platforms[1], date(2024, 1, 1), 20)  # cycle over: restored to 100
    direct.event(r1, "revoked")
    r2 = direct.record(b, platforms[2], date(2025, 2, 1), 50)
    direct.record(b, platforms[2], date(2025, 2, 2), 60)
    direct.event(r2, "repaired", date(2025, 5, 1))
    direct.record(c, platforms[0], date(2025, 7, 1), 10)  # after today: not shown yet
    direct.session.commit()
    with db.session() as session:
        for subject in subjects:
            portal = [vars(card) for card in cards(session, subject, TODAY)]
            assert [vars(card) for card in public_cards(session, subject, TODAY)] == portal


def test_new_standard_version_is_seen_at_once(client, make_subject, post, db):  # type: ignore[no-untyped-def]
    from ggzy_credit.standards.models import Platform, Standard

    bidder = make_subject("responder")
    post(bidder, "GP-R-005", date(2025, 1, 10))
    assert client.get(URL.format(bidder)).json()["scores"][0]["label"] == "A"
    with db.session() as session:
        platform = session.query(Platform).filter_by(code="gov_procurement").one()
        current = max(platform.standards, key=lambda s: s.id)
        rules = dict(current.rules)
        rules["bands"] = [dict(band, label=f"N{band['label']}") for band in rules["bands"]]
        session.add(
            Standard(
                platform_id=platform.id,
                version="9999.1",
                title="新版",
                status="filed",
                filed_on=TODAY,
                filed_with="测试",
                effective_from=TODAY,
                rules=rules,
            )
        )
    assert client.get(URL.format(bidder)).json()["scores"][0]["label"] == "NA"
