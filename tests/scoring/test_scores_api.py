"""Scores over HTTP, end to end: records go in through the records API, scores come out of
/subjects/{id}/scores, …/scores/history and /eligibility — on any date, with or without runs."""

from __future__ import annotations

from datetime import date

import pytest

from ggzy_credit import clock
from ggzy_credit.scoring.evaluation import run_evaluation
from ggzy_credit.scoring.models import ScoreHistory

D = date
TODAY = D(2025, 6, 1)
GP = "gov_procurement"


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with clock.freeze(TODAY):
        yield


def scores(client, auth, subject, **params):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/subjects/{subject}/scores", params=params, headers=auth("regulator"))
    assert r.status_code == 200, r.text
    return r.json()


def test_scores_on_any_date_with_counted_deductions(client, auth, make_subject, post):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    first = post(bidder, "GP-R-005", D(2025, 1, 10))  # 10 points
    second = post(bidder, "GP-R-001", D(2025, 3, 1))  # 30 points
    out = scores(client, auth, bidder)
    assert out["as_of"] == str(TODAY) and [s["platform"] for s in out["scores"]] == [GP]
    gp = out["scores"][0]
    assert (gp["score"], gp["label"], gp["label_name"], gp["points"]) == (60, "C", "失信警示", 40)
    assert (gp["cycle_start"], gp["cycle_end"], gp["standard_version"]) == (
        "2025-01-10",
        "2026-03-01",
        "2024.1",
    )
    assert [(d["record_id"], d["item_code"], d["points"], d["deducted_on"]) for d in gp["deductions"]] == [
        (first, "GP-R-005", 10, "2025-01-10"),
        (second, "GP-R-001", 30, "2025-03-01"),
    ]
    assert gp["deductions"][0]["item_name"].startswith("中标、成交后")
    earlier = scores(client, auth, bidder, as_of="2025-02-01")["scores"][0]
    assert (earlier["score"], earlier["label"], len(earlier["deductions"])) == (90, "A", 1)


def test_subject_without_records_scores_100_everywhere(client, auth, make_subject, post):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-005", D(2025, 1, 10))
    before = scores(client, auth, bidder, as_of="2024-12-31")["scores"]  # no record known that day
    assert len(before) == 6 and {s["score"] for s in before} == {100}
    assert all(s["cycle_end"] is None and s["deductions"] == [] and not s["has_records"] for s in before)
    assert {s["label"] for s in before} == {"A"}
    newcomer = scores(client, auth, make_subject("responder"))["scores"]
    assert len(newcomer) == 6 and {s["score"] for s in newcomer} == {100}


def test_several_platforms_at_once(client, auth, make_subject, post, item_for):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-002", D(2025, 2, 1))  # 40
    code, points = item_for("engineering", "responder", on=D(2025, 3, 1))
    post(bidder, code, D(2025, 3, 1), platform="engineering")
    out = {s["platform"]: s for s in scores(client, auth, bidder)["scores"]}
    assert set(out) == {GP, "engineering"}
    assert out[GP]["score"] == 60 and out["engineering"]["score"] == 100 - points


def test_daily_history(client, auth, make_subject, post):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-005", D(2024, 2, 29))  # leap day: restored on 2025-02-28
    r = client.get(
        f"/api/v1/subjects/{bidder}/scores/history",
        headers=auth("admin"),
        params={"from": "2025-02-26", "to": "2025-03-01"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"]) == ("2025-02-26", "2025-03-01")
    [series] = body["platforms"]
    assert series["platform"] == GP
    assert [(d["date"], d["score"], d["label"], d["cycle_end"]) for d in series["days"]] == [
        ("2025-02-26", 90, "A", "2025-02-28"),
        ("2025-02-27", 90, "A", "2025-02-28"),
        ("2025-02-28", 100, "A", None),
        ("2025-03-01", 100, "A", None),
    ]
    default = client.get(f"/api/v1/subjects/{bidder}/scores/history", headers=auth("admin")).json()
    assert default["to"] == str(TODAY) and len(default["platforms"][0]["days"]) == 365
    one = client.get(
        f"/api/v1/subjects/{bidder}/scores/history",
        headers=auth("admin"),
        params={"platform": "medical", "from": "2025-01-01", "to": "2025-01-02"},
    ).json()
    assert [p["platform"] for p in one["platforms"]] == ["medical"]


BAD_HISTORY_QUERIES = [
    ({"from": "2022-01-01", "to": "2025-01-01"}, "to", "range_too_long"),
    ({"from": "2025-03-01", "to": "2025-02-01"}, "from", "date_order"),
    ({"to": "2025-06-02"}, "to", "future_date"),
    ({"platform": "nowhere"}, "platform", "unknown_code"),
    ({"from": "yesterday"}, "from", "date_from_datetime_parsing"),
]


def test_history_bad_query_names_the_field(client, auth, make_subject):  # type: ignore[no-untyped-def]
    subject = make_subject()
    for params, field, kind in BAD_HISTORY_QUERIES:
        r = client.get(f"/api/v1/subjects/{subject}/scores/history", params=params, headers=auth("admin"))
        assert r.status_code == 422, (params, r.text)
        assert any(p["loc"] == ["query", field] and p["type"] == kind for p in r.json()["detail"]), r.json()
    ok = client.get(
        f"/api/v1/subjects/{subject}/scores/history",
        headers=auth("admin"),
        params={"from": "2022-06-02", "to": "2025-06-01"},
    )  # 36 months less a day: allowed
    assert ok.status_code == 200


def test_errors_and_callers(client, auth, make_subject):  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/subjects/1/scores").status_code == 401
    assert client.get("/api/v1/subjects/987654/scores", headers=auth("bank")).status_code == 404
    r = client.get(
        f"/api/v1/subjects/{make_subject()}/scores", params={"as_of": "2025-06-02"}, headers=auth("admin")
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert client.get("/api/v1/eligibility", params={"subject": "1", "platform": GP}).status_code == 401


def test_answer_does_not_depend_on_runs(client, auth, make_subject, post, db):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-005", D(2024, 5, 10))
    post(bidder, "GP-R-004", D(2025, 4, 1))
    days = [D(2024, 5, 9), D(2024, 5, 10), D(2025, 4, 1), D(2025, 5, 10), TODAY]
    url = f"/api/v1/subjects/{bidder}/scores/history"
    window = {"from": "2024-05-01", "to": str(TODAY)}
    before = (
        [scores(client, auth, bidder, as_of=str(d)) for d in days],
        client.get(url, params=window, headers=auth("admin")).json(),
    )
    with db.session() as session:
        run_evaluation(session, D(2024, 12, 1))  # a run on some days, not others
        run_evaluation(session, TODAY)
    after = (
        [scores(client, auth, bidder, as_of=str(d)) for d in days],
        client.get(url, params=window, headers=auth("admin")).json(),
    )
    assert before == after
    # …and the stored history says the same as the endpoint, day by day.
    with db.session() as session:
        stored = session.query(ScoreHistory).filter_by(subject_id=bidder).all()
    for day in after[1]["platforms"][0]["days"]:
        on = date.fromisoformat(day["date"])
        row = next(
            (r for r in stored if r.valid_from <= on and (r.valid_to is None or on < r.valid_to)), None
        )
        assert (row.score if row else 100, str(row.cycle_end) if row else None) == (
            day["score"],
            day["cycle_end"],
        )
    assert before[0][1]["scores"][0]["score"] == 90 and before[0][0]["scores"][0]["has_records"] is False


def test_eligibility_label_measures_and_reasons(client, auth, make_subject, post, db):  # type: ignore[no-untyped-def]
    bidder = make_subject("responder")
    post(bidder, "GP-R-002", D(2025, 2, 1))  # 40 points: C
    post(bidder, "GP-R-008", D(2025, 5, 1))  # 5 more: 55, D
    r = client.get(
        "/api/v1/eligibility", params={"subject": str(bidder), "platform": GP}, headers=auth("bank")
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["score"], out["label"], out["label_name"], out["cycle_end"]) == (
        55,
        "D",
        "严重失信",
        "2026-05-01",
    )
    assert [m["code"] for m in out["measures"]] == ["GP-M-D1", "GP-M-D2", "GP-M-D3"]
    assert {m["kind"] for m in out["measures"]} == {"penalty"} and out["measures"][0][
        "kind_name"
    ] == "失信惩戒"
    assert len(out["deductions"]) == 2 and out["explanation"] == "".join(out["reasons"])
    assert (
        "共45分" in out["explanation"]
        and "2026-05-01" in out["explanation"]
        and "严重失信" in out["explanation"]
    )
    assert "不得享受便利措施" in out["explanation"]
    before = client.get(
        "/api/v1/eligibility",
        headers=auth("bank"),
        params={"subject": str(bidder), "platform": GP, "as_of": "2025-01-31"},
    ).json()
    assert (before["score"], before["label"]) == (100, "A") and "GP-M-A1" in [
        m["code"] for m in before["measures"]
    ]
    assert "没有处于评估周期内的扣分" in before["explanation"]


def test_eligibility_by_uscc_or_id_number(client, auth, make_subject, db):  # type: ignore[no-untyped-def]
    from stdnum.cn.uscc import calc_check_digit

    from ggzy_credit.subjects.models import Subject

    bidder = make_subject("responder")
    with db.session() as s:
        uscc = s.get(Subject, bidder).uscc
    r = client.get("/api/v1/eligibility", params={"subject": uscc, "platform": GP}, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["subject_id"] == bidder
    expert = make_subject("expert", id_number="11010519491231002X")
    r = client.get(
        "/api/v1/eligibility", params={"subject": "11010519491231002x", "platform": GP}, headers=auth("admin")
    )
    assert r.status_code == 200 and r.json()["subject_id"] == expert
    bad = client.get(
        "/api/v1/eligibility", params={"subject": "not-an-id", "platform": GP}, headers=auth("admin")
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "subject"]
    stranger = "91310000MA1K4X9B2" + calc_check_digit("91310000MA1K4X9B2")  # valid, never registered
    unknown = client.get(
        "/api/v1/eligibility", params={"subject": stranger, "platform": GP}, headers=auth("admin")
    )
    assert unknown.status_code == 404
    r = client.get(
        "/api/v1/eligibility", params={"subject": str(bidder), "platform": "nowhere"}, headers=auth("admin")
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "platform"]
    missing = client.get(
        "/api/v1/eligibility", params={"subject": "987654", "platform": GP}, headers=auth("admin")
    )
    assert missing.status_code == 404


def test_openapi_lists_scoring_endpoints_in_chinese(client):  # type: ignore[no-untyped-def]
    paths = client.get("/openapi.json").json()["paths"]
    assert "信用记分" in paths["/api/v1/subjects/{subject_id}/scores"]["get"]["summary"]
    assert "/api/v1/subjects/{subject_id}/scores/history" in paths and "/api/v1/eligibility" in paths
