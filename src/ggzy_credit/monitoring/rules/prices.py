"""Rule ``price_pattern``: bid prices in near-arithmetic progression, or abnormally close together.

Window functions do the work: each project's bids ordered by price, ``price − LAG(price)`` is the
step to the next lower bid; per project, the count, the lowest and highest price and the smallest,
largest and mean step decide both patterns in one grouped query.
"""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import Float, and_, cast, func, or_, select, tuple_
from sqlalchemy.orm import Session

from ggzy_credit.exchange.models import BidSubmission as Bid
from ggzy_credit.monitoring.config import Rules
from ggzy_credit.monitoring.rules.base import Finding, Rule
from ggzy_credit.subjects.models import Subject


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class PricePattern(Rule):
    code = "price_pattern"
    title = "同一项目投标报价呈等差数列或异常接近"
    rationale = (
        "《招标投标法实施条例》第四十条第（四）项：不同投标人的投标报价呈规律性差异，视为串通投标。"
        "按价格排序后相邻报价之差（级差）几乎相等，说明报价是按同一梯度编排的（梯度报价、围标）；"
        "全部报价落在极窄的区间内，说明报价可能出自一人之手。阈值可配置；家数过少时偶然吻合的概率高，"
        "因此等差至少 4 家、接近至少 3 家才判断。"
    )

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        cfg = rules.price_pattern
        partition = (Bid.platform_id, Bid.project_code)
        ordered = select(
            Bid.platform_id,
            Bid.project_code,
            Bid.price_fen,
            (
                Bid.price_fen
                - func.lag(Bid.price_fen).over(
                    partition_by=partition, order_by=(Bid.price_fen, Bid.bidder_id)
                )
            ).label("step"),
        ).subquery("ordered")
        n = func.count().label("n")
        low, high = func.min(ordered.c.price_fen).label("low"), func.max(ordered.c.price_fen).label("high")
        min_step, max_step = (
            func.min(ordered.c.step).label("min_step"),
            func.max(ordered.c.step).label("max_step"),
        )
        mean_step = func.avg(cast(ordered.c.step, Float)).label("mean_step")
        progression = and_(
            func.count() >= cfg.progression_min_bids,
            func.min(ordered.c.step) > 0,
            cast(func.max(ordered.c.step) - func.min(ordered.c.step), Float)
            <= cfg.progression_tolerance * func.avg(cast(ordered.c.step, Float)),
        )
        close = and_(
            func.count() >= cfg.close_min_bids,
            cast(func.max(ordered.c.price_fen) - func.min(ordered.c.price_fen), Float)
            <= cfg.close_spread * cast(func.min(ordered.c.price_fen), Float),
        )
        projects = session.execute(
            select(ordered.c.platform_id, ordered.c.project_code, n, low, high, min_step, max_step, mean_step)
            .group_by(ordered.c.platform_id, ordered.c.project_code)
            .having(or_(progression, close))
        ).all()
        if not projects:
            return []
        wanted = {(p.platform_id, p.project_code) for p in projects}
        bids: dict[tuple[int, str], list[dict[str, object]]] = {}
        keys = list(wanted)
        for start in range(0, len(keys), 400):
            for platform_id, project, bidder, name, price in session.execute(
                select(Bid.platform_id, Bid.project_code, Bid.bidder_id, Subject.name, Bid.price_fen)
                .join(Subject, Subject.id == Bid.bidder_id)
                .where(tuple_(Bid.platform_id, Bid.project_code).in_(keys[start : start + 400]))
                .order_by(Bid.price_fen, Bid.bidder_id)
            ):
                bids.setdefault((platform_id, project), []).append(
                    {"subject_id": bidder, "name": name, "price": yuan(price), "price_fen": price}
                )
        findings = []
        for p in projects:
            members = bids.get((p.platform_id, p.project_code), [])
            steps = [int(b["price_fen"]) - int(a["price_fen"]) for a, b in itertools.pairwise(members)]  # type: ignore[call-overload]
            is_progression = (
                p.n >= cfg.progression_min_bids
                and p.min_step is not None
                and p.min_step > 0
                and (p.max_step - p.min_step) <= cfg.progression_tolerance * float(p.mean_step)
            )
            patterns = (["arithmetic_progression"] if is_progression else []) + (
                ["close"]
                if p.n >= cfg.close_min_bids and (p.high - p.low) <= cfg.close_spread * p.low
                else []
            )
            label = "、".join(
                {"arithmetic_progression": "呈等差数列", "close": "异常接近"}[x] for x in patterns
            )
            findings.append(
                Finding(
                    rule=self.code,
                    key=f"{p.platform_id}|{p.project_code}",
                    severity=cfg.severity,
                    title=f"项目 {p.project_code} 的 {p.n} 家投标报价{label}",
                    subject_ids=[int(b["subject_id"]) for b in members],  # type: ignore[call-overload]
                    platform_id=p.platform_id,
                    project_code=p.project_code,
                    evidence={
                        "patterns": patterns,
                        "bids": [{k: v for k, v in b.items() if k != "price_fen"} for b in members],
                        "steps": [yuan(s) for s in steps],
                        "lowest": yuan(p.low),
                        "highest": yuan(p.high),
                        "spread_ratio": round((p.high - p.low) / p.low, 6) if p.low else None,
                        "thresholds": {
                            "progression_tolerance": cfg.progression_tolerance,
                            "close_spread": cfg.close_spread,
                        },
                    },
                )
            )
        return findings
