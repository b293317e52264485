"""The credit report a bank pulls under an authorisation (or a subject previews): one JSON document.

Contents: the subject (identity as the public sees it: USCC, masked ID number), the score and label
on each platform on the report day with the label's measures, the records that count toward those
scores (the deductions of each platform's open evaluation cycle) with their events and objection
status, and for each record its ledger leaf with an inclusion proof against the signed tree head the
report carries, plus the public key — so a bank checks every record with SHA-256 and Ed25519 alone.
"""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.financing.models import FinancingGrant
from ggzy_credit.financing.proofs import Inclusion, prove
from ggzy_credit.financing.schemas import (
    CreditReportOut,
    InclusionOut,
    RecordEventOut,
    ReportGrantOut,
    ReportLedgerOut,
    ReportRecordOut,
    ReportScoreOut,
    ReportSubjectOut,
)
from ggzy_credit.ledger.keys import key_id, public_pem
from ggzy_credit.ledger.schemas import HeadOut
from ggzy_credit.records.events import EventKind, RecordEvent, events_for
from ggzy_credit.records.queries import records_by_ids
from ggzy_credit.records.schemas import RecordOut
from ggzy_credit.scoring.eligibility import MEASURE_KINDS
from ggzy_credit.scoring.schemas import MeasureOut, platform_score_out
from ggzy_credit.scoring.service import PlatformScore, subject_scores
from ggzy_credit.subjects.models import Subject

STATUS_NAMES = {
    "effective": "有效",
    EventKind.REPAIRED.value: "已信用修复（仍计分）",
    EventKind.REVOKED.value: "已撤销",
    EventKind.CORRECTED.value: "已更正",
}
NOTES = [
    "本报告依据经营主体的书面授权生成，仅供被授权金融机构在授权用途和期限内使用。",
    "信用记分满分 100 分，采取扣分制；评估周期自扣分之日起 12 个月，期满自动修复（上海办法第十二条）。",
    "每条记录附防篡改账本包含证明：leaf_hash = SHA-256(0x00 ‖ leaf_data)，按审计路径逐级计算应得到"
    "签名树头的 root_hash；树头签名以 Ed25519 公钥验证（docs/ledger.md）。",
]


def build(
    session: Session,
    subject: Subject,
    key: Ed25519PrivateKey,
    *,
    grant: FinancingGrant | None,
    requested_by: str,
) -> CreditReportOut:
    scores = subject_scores(session, subject.id)
    counted = [(s, r.id) for s in scores for r in s.counted]
    ids = [rid for _, rid in counted]
    records = records_by_ids(session, ids)
    events: dict[int, list[RecordEvent]] = {}
    for event in events_for(session, ids):
        events.setdefault(event.record_id, []).append(event)
    indices = [r.ledger_index for r in records.values() if r.ledger_index is not None]
    head, proofs = prove(session, indices, key)
    platform_names = {s.platform.code: s.platform.name for s in scores}
    return CreditReportOut(
        report_id=str(uuid.uuid4()),
        generated_at=clock.now(),
        as_of=scores[0].as_of if scores else clock.today(),
        requested_by=requested_by,
        grant=None
        if grant is None
        else ReportGrantOut(
            id=grant.id,
            bank=grant.bank,
            valid_from=grant.valid_from,
            valid_until=grant.valid_until,
            purpose=grant.purpose,
        ),
        subject=ReportSubjectOut(
            id=subject.id,
            name=subject.name,
            type=subject.type,
            uscc=subject.uscc,
            id_number_masked=subject.id_number_masked,
            kinds=subject.kind_names,
        ),
        scores=[_score(s) for s in scores],
        records=[
            _record(records[rid], platform_names, events.get(rid, []), proofs)
            for _, rid in counted
            if rid in records
        ],
        ledger=ReportLedgerOut(
            tree_head=HeadOut.of(head), key_id=key_id(key), public_key_pem=public_pem(key)
        ),
        notes=NOTES,
    )


def _score(s: PlatformScore) -> ReportScoreOut:
    return ReportScoreOut(
        **platform_score_out(s).model_dump(),
        measures=[
            MeasureOut(
                code=m.code,
                name=m.name,
                kind=m.kind,
                kind_name=MEASURE_KINDS.get(m.kind, m.kind),
                description=m.description,
            )
            for m in s.measures
        ],
    )


def status_of(events: list[RecordEvent]) -> str:
    """The record's standing from its events: a removing event wins over a repair."""
    kinds = {e.kind for e in events}
    for kind in (EventKind.REVOKED, EventKind.CORRECTED, EventKind.REPAIRED):
        if kind.value in kinds:
            return kind.value
    return "effective"


def _record(
    record: RecordOut,
    platform_names: dict[str, str],
    events: list[RecordEvent],
    proofs: dict[int, Inclusion],
) -> ReportRecordOut:
    status = status_of(events)
    proof = proofs.get(record.ledger_index) if record.ledger_index is not None else None
    return ReportRecordOut(
        id=record.id,
        platform=record.platform,
        platform_name=platform_names.get(record.platform, record.platform),
        item_code=record.item_code,
        item_name=record.item_name,
        category=record.category,
        points=record.points,
        standard_version=record.standard_version,
        occurred_on=record.occurred_on,
        deducted_on=record.deducted_on,
        project_code=record.project_code,
        project_name=record.project_name,
        description=record.description,
        source=record.source.value,
        status=status,
        status_name=STATUS_NAMES[status],
        objection_status=record.objection_status,
        events=[
            RecordEventOut(
                kind=e.kind, effective_on=e.effective_on, stops_counting=e.stops_counting, at=e.created_at
            )
            for e in events
        ],
        ledger=None
        if proof is None
        else InclusionOut(
            index=proof.index,
            leaf_data=proof.data.decode("utf-8"),
            leaf_hash=proof.leaf_hash.hex(),
            audit_path=[p.hex() for p in proof.audit_path],
        ),
    )
