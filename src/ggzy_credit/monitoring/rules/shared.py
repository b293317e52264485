"""Rules ``shared_contact`` and ``shared_bid_origin``: bidders in one project who share what
independent competitors should not — contacts, a legal representative, an address, the bid file
itself, the machine that produced it, the network address it came from.

One query per rule: the attributes of every bidder of every project as one UNION ALL of
(project, bidder, attribute, value), partitioned by (project, attribute, value) with window
functions; the partitions holding two or more distinct bidders are the findings.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from ggzy_credit.exchange.models import BidSubmission as Bid
from ggzy_credit.monitoring.config import Rules
from ggzy_credit.monitoring.rules.base import Finding, Rule
from ggzy_credit.monitoring.sql import normalised
from ggzy_credit.subjects.models import Subject

LABELS = {
    "phone": "联系电话",
    "email": "电子邮箱",
    "legal_representative": "法定代表人",
    "address": "地址",
    "file_hash": "投标文件哈希",
    "machine_fingerprint": "制作机器码",
    "ip": "递交 IP 地址",
}


def _part(attr: str, value: Any, shown: Any, via: str, *conditions: Any, join_subject: bool = False):  # type: ignore[no-untyped-def]
    query = select(
        Bid.platform_id.label("platform_id"),
        Bid.project_code.label("project_code"),
        Bid.bidder_id.label("bidder_id"),
        literal(attr).label("attr"),
        value.label("value"),
        shown.label("shown"),
        literal(via).label("via"),
    )
    if join_subject:
        query = query.join(Subject, Subject.id == Bid.bidder_id)
    return query.where(value.is_not(None), *conditions)


def _parts(attrs: list[str], ignore_ips: list[str], ignore_fingerprints: list[str]) -> list[Any]:
    parts: list[Any] = []
    if "phone" in attrs:
        parts.append(
            _part("phone", Subject.phone_index, Subject.phone_masked, "registered", join_subject=True)
        )
        parts.append(_part("phone", Bid.contact_phone_index, Bid.contact_phone_masked, "bid"))
    if "email" in attrs:
        parts.append(_part("email", Bid.contact_email_index, Bid.contact_email_masked, "bid"))
    if "legal_representative" in attrs:
        norm = normalised(Subject.legal_representative)
        parts.append(
            _part(
                "legal_representative",
                norm,
                Subject.legal_representative,
                "registered",
                Subject.type == "legal",
                norm != "",
                join_subject=True,
            )
        )
    if "address" in attrs:
        norm = normalised(Subject.address)
        parts.append(_part("address", norm, Subject.address, "registered", norm != "", join_subject=True))
    if "file_hash" in attrs:
        parts.append(_part("file_hash", Bid.file_hash, Bid.file_hash, "bid"))
    if "machine_fingerprint" in attrs:
        conditions = [Bid.machine_fingerprint.not_in(ignore_fingerprints)] if ignore_fingerprints else []
        parts.append(
            _part("machine_fingerprint", Bid.machine_fingerprint, Bid.machine_fingerprint, "bid", *conditions)
        )
    if "ip" in attrs:
        conditions = [Bid.ip.not_in(ignore_ips)] if ignore_ips else []
        parts.append(_part("ip", Bid.ip, Bid.ip, "bid", *conditions))
    return parts


def shared_findings(session: Session, rule: str, severity: str, parts: list[Any]) -> list[Finding]:
    if not parts:
        return []
    keys = union_all(*parts).cte("bid_keys")
    group = (keys.c.platform_id, keys.c.project_code, keys.c.attr, keys.c.value)
    # Two distinct bidders in a group ⇔ its smallest and largest bidder differ: two window aggregates
    # over one sort, instead of GROUP BY … HAVING COUNT(DISTINCT) joined back to the rows.
    windowed = select(
        *group,
        keys.c.bidder_id,
        keys.c.shown,
        keys.c.via,
        func.min(keys.c.bidder_id).over(partition_by=group).label("lo"),
        func.max(keys.c.bidder_id).over(partition_by=group).label("hi"),
    ).subquery("windowed")
    w = windowed.c
    rows = session.execute(
        select(w.platform_id, w.project_code, w.attr, w.value, w.bidder_id, w.shown, w.via, Subject.name)
        .join(Subject, Subject.id == w.bidder_id)
        .where(w.lo != w.hi)
        .order_by(w.platform_id, w.project_code, w.attr, w.value, w.bidder_id, w.via)
    ).all()
    found: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for platform_id, project, attr, value, bidder, shown, via, name in rows:
        entry = found.setdefault((platform_id, project, attr, value), {"bidders": {}})
        bidder_entry = entry["bidders"].setdefault(bidder, {"subject_id": bidder, "name": name, "values": []})
        bidder_entry["values"].append({"value": shown, "via": via})
    findings = []
    for (platform_id, project, attr, value), entry in found.items():
        bidders = list(entry["bidders"].values())
        findings.append(
            Finding(
                rule=rule,
                key=f"{platform_id}|{project}|{attr}|{value}",
                severity=severity,
                title=f"项目 {project} 中 {len(bidders)} 家投标人{LABELS[attr]}相同",
                subject_ids=[b["subject_id"] for b in bidders],
                platform_id=platform_id,
                project_code=project,
                evidence={"attribute": attr, "attribute_label": LABELS[attr], "bidders": bidders},
            )
        )
    return findings


class SharedContact(Rule):
    code = "shared_contact"
    title = "同一项目投标人联系方式、法定代表人或地址相同"
    rationale = (
        "《招标投标法实施条例》第四十条：不同投标人委托同一单位或者个人办理投标事宜、投标文件相互混装等，"
        "视为投标人相互串通投标；联系人电话、邮箱、法定代表人或办公地址相同是串通投标（围标）的常见迹象。"
        "电话、邮箱按盲索引比较（不解密），姓名和地址去除空格与标点、全角数字折算后比较。"
        "同名的法定代表人可能只是重名，需人工核实。"
    )

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        cfg = rules.shared_contact
        return shared_findings(session, self.code, cfg.severity, _parts(list(cfg.attributes), [], []))


class SharedBidOrigin(Rule):
    code = "shared_bid_origin"
    title = "同一项目投标文件哈希、制作机器码或递交 IP 相同"
    rationale = (
        "《招标投标法实施条例》第四十条第（一）（二）项：不同投标人的投标文件由同一单位或者个人编制，"
        "或者异常一致，视为串通投标。相同的文件哈希说明是同一份文件；相同的机器码说明由同一台计算机制作；"
        "相同的递交 IP 说明从同一网络出口递交。交易中心公共终端、统一出口网关可在配置中排除。"
    )

    def find(self, session: Session, rules: Rules, today: date) -> list[Finding]:
        cfg = rules.shared_bid_origin
        fingerprints = [
            f.replace(":", "").replace("-", "").replace(" ", "").upper() for f in cfg.ignore_fingerprints
        ]
        parts = _parts(list(cfg.attributes), list(cfg.ignore_ips), fingerprints)
        return shared_findings(session, self.code, cfg.severity, parts)
