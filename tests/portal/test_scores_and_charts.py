"""Scores, labels and history charts on the pages; the score distribution; the SVG chart module."""

from __future__ import annotations

import re
from datetime import date

from ggzy_credit.portal.charts import bar_chart, line_chart


def test_public_page_shows_score_label_restoration_and_history(portal, world):
    page = portal.get(f"/subjects/{world.company}")
    assert '<svg class="chart" id="score-gov_procurement"' in page.text
    value = int(re.search(r'<span class="score-value">(\d+)</span>', page.text).group(1))
    assert 0 < value < 100
    assert re.search(r'class="badge badge-[abcd]"', page.text)
    assert "2027-05-08" in page.text  # deducted 2026-05-08: full score again 12 months later
    assert "近 12 个月信用记分" in page.text and "<details" in page.text


def test_subject_without_records_scores_full_everywhere(portal, world):
    page = portal.get(f"/subjects/{world.clean}")
    assert "均为满分 100 分" in page.text


def test_restored_score_after_revocation(portal, world, db):
    from ggzy_credit.records.events import revoke_record

    with db.session() as session:
        revoke_record(session, world.public_record, "异议成立", "reviewer:test")
    page = portal.get(f"/subjects/{world.company}")
    assert '<span class="score-value">100</span>' in page.text


def test_dashboard_distribution_after_an_evaluation_run(portal, world, signed_in, db):
    from ggzy_credit.scoring.evaluation import run_evaluation

    signed_in("admin")
    assert 'id="score-distribution"' not in portal.get("/staff").text
    with db.session() as session:
        run_evaluation(session, full=True, started_by="test")
    page = portal.get("/staff")
    assert 'id="score-distribution"' in page.text
    table = page.text.split('id="score-distribution"')[1]
    assert re.search(r'<th scope="row">90–99</th><td class="num">\d+</td>', table) or "60–79" in table


def test_line_chart_steps_and_table_fallback():
    series = [(date(2026, 1, d), 100 if d < 10 else 90) for d in range(1, 32)]
    chart = line_chart(series, chart_id="c1", title="记分<测试>", desc="说明", columns=("日期", "分数"))
    svg = str(chart.svg)
    assert svg.startswith('<svg class="chart" id="c1"') and 'role="img"' in svg
    assert '<title id="c1-t">记分&lt;测试&gt;</title>' in svg
    assert chart.rows == [("2026-01-01", "100"), ("2026-01-10", "90")]
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_bar_chart_escapes_labels_and_handles_empty():
    chart = bar_chart(
        [("<b>事项</b>", 3), ("很长很长很长很长很长很长很长很长很长很长很长很长很长很长的名称", 1)],
        chart_id="b1",
        title="t",
        desc="d",
        columns=("a", "b"),
    )
    svg = str(chart.svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "…" in svg
    empty = bar_chart([], chart_id="b2", title="t", desc="d", columns=("a", "b"), horizontal=False)
    assert "chart-empty" in str(empty.svg) and empty.rows == []
