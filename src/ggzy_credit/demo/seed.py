"""The demo data set: a few hundred subjects of every kind and a few thousand records over two years.

Everything goes through the same services as real traffic (validation, standards in force,
idempotency), so the demo exercises the rules rather than bypassing them.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import create_token
from ggzy_credit.demo.fake import Faker
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.records.ingest import ingest
from ggzy_credit.records.schemas import RecordIn, Source
from ggzy_credit.standards.models import StandardItem
from ggzy_credit.standards.service import StandardResolver, list_platforms
from ggzy_credit.subjects.kinds import SubjectKind
from ggzy_credit.subjects.models import Subject
from ggzy_credit.subjects.schemas import LegalPersonIn, NaturalPersonIn
from ggzy_credit.subjects.service import create_subject

PLATFORM_WEIGHTS = {
    "gov_procurement": 35,
    "engineering": 35,
    "medical": 10,
    "land_mining": 8,
    "state_property": 7,
    "centre": 5,
}
KIND_WEIGHTS = {
    SubjectKind.RESPONDER: 62,
    SubjectKind.EXPERT: 14,
    SubjectKind.INITIATOR: 9,
    SubjectKind.INTERMEDIARY: 8,
    SubjectKind.PRACTITIONER: 7,
}
SEVERITY_WEIGHTS = {"minor": 6, "general": 3, "serious": 1}
SOURCES = [(Source.SYSTEM_PUSH, 60), (Source.MANUAL, 30), (Source.COMPLAINT, 5), (Source.EXTERNAL, 5)]
PROJECT_PREFIX = {
    "gov_procurement": "ZFCG",
    "engineering": "GCJS",
    "medical": "YPHC",
    "land_mining": "TDKQ",
    "state_property": "GYCQ",
    "centre": "JYZX",
}
PROJECT_WORDS = [
    "办公设备采购项目",
    "信息化系统建设项目",
    "道路改建工程施工",
    "学校食堂配送服务",
    "医院医用耗材集中采购",
    "污水处理厂提标改造工程",
    "地块国有建设用地使用权挂牌出让",
    "物业管理服务采购",
    "市政绿化养护项目",
    "智慧社区改造工程监理",
    "国有股权转让项目",
    "采矿权挂牌出让",
    "体育场馆维修工程",
    "政务云服务采购",
]


@dataclass
class DemoReport:
    subjects: int = 0
    records: int = 0
    tokens: dict[str, str] = field(default_factory=dict)


def has_data(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Subject)))


def load_demo(session: Session, cipher: PiiCipher, *, seed: int = 2026, records: int = 3000) -> DemoReport:
    rng = random.Random(seed)
    fake = Faker(seed)
    report = DemoReport()
    pools = _subjects(session, cipher, fake, rng)
    report.subjects = sum(len(v) for v in pools.values())
    report.records = _records(session, cipher, rng, pools, records)
    subject_for_token = pools[SubjectKind.RESPONDER][0]
    for role in Role:
        _, secret = create_token(
            session,
            role,
            f"演示-{role.value}",
            subject_id=subject_for_token if role is Role.SUBJECT else None,
        )
        report.tokens[role.value] = secret
    return report


def _subjects(
    session: Session, cipher: PiiCipher, fake: Faker, rng: random.Random
) -> dict[SubjectKind, list[int]]:
    pools: dict[SubjectKind, list[int]] = {k: [] for k in SubjectKind}

    def legal(kinds: list[SubjectKind]) -> int:
        data = LegalPersonIn(type="legal", kinds=kinds, **fake.legal_person())
        subject = create_subject(session, cipher, data)
        for k in kinds:
            pools[k].append(subject.id)
        return subject.id

    def natural(kinds: list[SubjectKind], intermediary_id: int | None = None) -> int:
        data = NaturalPersonIn(
            type="natural", kinds=kinds, intermediary_id=intermediary_id, **fake.natural_person()
        )
        subject = create_subject(session, cipher, data)
        for k in kinds:
            pools[k].append(subject.id)
        return subject.id

    for _ in range(150):
        legal([SubjectKind.RESPONDER] + ([SubjectKind.INITIATOR] if rng.random() < 0.05 else []))
    for _ in range(45):
        legal([SubjectKind.INITIATOR])
    agencies = [legal([SubjectKind.INTERMEDIARY]) for _ in range(25)]
    for _ in range(80):
        natural([SubjectKind.PRACTITIONER], rng.choice(agencies))
    for _ in range(120):
        natural([SubjectKind.EXPERT])
    for _ in range(20):
        natural([SubjectKind.RESPONDER])
    session.flush()
    return pools


def _records(
    session: Session, cipher: PiiCipher, rng: random.Random, pools: dict[SubjectKind, list[int]], count: int
) -> int:
    resolver = StandardResolver(session)
    platforms = [p.code for p in list_platforms(session) if p.code in PLATFORM_WEIGHTS]
    today = clock.today()
    start = today - timedelta(days=730)
    batch: list[RecordIn] = []
    written = 0
    serial = 0
    while serial < count:
        platform = rng.choices(platforms, weights=[PLATFORM_WEIGHTS[p] for p in platforms])[0]
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        deducted_on = start + timedelta(days=rng.randrange((today - start).days + 1))
        resolved = resolver.resolve(platform, deducted_on)
        if resolved is None or not pools[kind]:
            continue
        items = [i for i in resolved[1].values() if kind.value in i.applies_to]
        if not items:
            continue
        item = _pick_item(rng, items)
        serial += 1
        batch.append(_record(rng, platform, serial, rng.choice(pools[kind]), item, deducted_on))
        if len(batch) == 1000:
            written += len(ingest(session, cipher, batch, "demo:seed"))
            batch = []
    if batch:
        written += len(ingest(session, cipher, batch, "demo:seed"))
    return written


def _pick_item(rng: random.Random, items: list[StandardItem]) -> StandardItem:
    weights = [SEVERITY_WEIGHTS.get(i.severity, 1) * (0.4 if i.kind != "deduction" else 1) for i in items]
    return rng.choices(items, weights=weights)[0]


def _record(
    rng: random.Random, platform: str, serial: int, subject_id: int, item: StandardItem, deducted_on: date
) -> RecordIn:
    year = deducted_on.year
    project_no = f"{PROJECT_PREFIX[platform]}{year}-{rng.randrange(1, 9999):04d}"
    project = rng.choice(PROJECT_WORDS)
    source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
    return RecordIn(
        platform=platform,
        external_id=f"{platform}-{deducted_on:%Y%m%d}-{serial:06d}",
        subject_id=subject_id,
        item_code=item.code,
        occurred_on=deducted_on - timedelta(days=rng.randrange(0, 6)),
        deducted_on=deducted_on,
        project_code=project_no,
        project_name=f"{year}年{project}",
        description=(
            f"在{project_no}项目中，经核实存在“{item.name}”情形，"
            f"依据{item.legal_basis or '评估标准'}予以记录。"
        ),
        source=source,
    )


def write_tokens(path: Path, tokens: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(tokens, fh, ensure_ascii=False, indent=2)
