"""Subject registry use cases: one subject per USCC / ID number (一次录入、重复使用)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.identifiers import valid_id_number, valid_uscc
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.sources import SUBJECT_CREATED, SUBJECT_UPDATED, SUBJECTS
from ggzy_credit.pii.cipher import PiiCipher, mask_id_number, mask_phone
from ggzy_credit.subjects.kinds import ALLOWED_KINDS, SubjectKind, SubjectType
from ggzy_credit.subjects.models import Subject, SubjectKindRow
from ggzy_credit.subjects.phones import valid_phone
from ggzy_credit.subjects.schemas import LegalPersonIn, NaturalPersonIn, SubjectOut, SubjectUpdate

ID_COLUMN = "subjects.id_number"
PHONE_COLUMN = "subjects.phone"


def create_subject(session: Session, cipher: PiiCipher, data: LegalPersonIn | NaturalPersonIn) -> Subject:
    subject_type = SubjectType(data.type)
    kinds = _check_kinds(subject_type, data.kinds)
    subject = Subject(type=subject_type.value, name=data.name, address=data.address)
    now = clock.now()
    subject.created_at = subject.updated_at = now
    if isinstance(data, LegalPersonIn):
        uscc = valid_uscc(data.uscc)
        existing = session.scalar(select(Subject.id).where(Subject.uscc == uscc))
        if existing is not None:
            raise Conflict("该统一社会信用代码已登记", existing_id=existing)
        subject.uscc = uscc
        subject.legal_representative = data.legal_representative
        subject.contact_person = data.contact_person
        _set_phone(subject, cipher, data.contact_phone, "contact_phone")
    else:
        id_number = valid_id_number(data.id_number)
        index = cipher.blind_index(id_number, ID_COLUMN)
        existing = session.scalar(select(Subject.id).where(Subject.id_number_index == index))
        if existing is not None:
            raise Conflict("该身份证号码已登记", existing_id=existing)
        subject.id_number_enc = cipher.encrypt(id_number, ID_COLUMN)
        subject.id_number_index = index
        subject.id_number_masked = mask_id_number(id_number)
        subject.gender = data.gender or _gender_from_id(id_number)
        _set_phone(subject, cipher, data.phone, "phone")
        subject.intermediary_id = _check_intermediary(session, kinds, data.intermediary_id)
    subject.kinds = [SubjectKindRow(kind=k.value) for k in kinds]
    session.add(subject)
    session.flush()
    ledger.log_rows(session, SUBJECT_CREATED, SUBJECTS, [subject.id])
    return subject


def update_subject(session: Session, cipher: PiiCipher, subject_id: int, data: SubjectUpdate) -> Subject:
    subject = get_subject(session, subject_id)
    subject_type = SubjectType(subject.type)
    changes = data.model_dump(exclude_unset=True)
    legal_only = {"legal_representative", "contact_person", "contact_phone"}
    natural_only = {"phone", "gender", "intermediary_id"}
    wrong = (natural_only if subject_type is SubjectType.LEGAL else legal_only) & changes.keys()
    for name in sorted(wrong):
        raise InvalidInput.field(name, "该字段不适用于此类主体")
    for name in ("name", "address", "legal_representative", "contact_person", "gender"):
        if name in changes:
            setattr(subject, name, changes[name])
    if "contact_phone" in changes:
        _set_phone(subject, cipher, changes["contact_phone"], "contact_phone")
    if "phone" in changes:
        _set_phone(subject, cipher, changes["phone"], "phone")
    kinds = _check_kinds(subject_type, data.kinds) if data.kinds is not None else None
    if kinds is not None:
        subject.kinds = [SubjectKindRow(kind=k.value) for k in kinds]
    if subject_type is SubjectType.NATURAL and ("intermediary_id" in changes or kinds is not None):
        current = kinds if kinds is not None else [SubjectKind(k) for k in subject.kind_names]
        wanted = changes.get("intermediary_id", subject.intermediary_id)
        subject.intermediary_id = _check_intermediary(session, current, wanted)
    subject.updated_at = clock.now()
    session.flush()
    ledger.log_rows(session, SUBJECT_UPDATED, SUBJECTS, [subject.id])
    return subject


def get_subject(session: Session, subject_id: int) -> Subject:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound(f"经营主体 {subject_id} 不存在")
    return subject


def search_subjects(
    session: Session,
    cipher: PiiCipher,
    *,
    q: str | None = None,
    uscc: str | None = None,
    id_number: str | None = None,
    kind: SubjectKind | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, Sequence[Subject]]:
    """Find subjects by name fragment, exact USCC or exact ID number (through the blind index)."""
    query = select(Subject)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Subject.name.like(pattern, escape="\\"), Subject.uscc == q.upper()))
    if uscc:
        query = query.where(Subject.uscc == uscc.strip().upper())
    if id_number:
        query = query.where(Subject.id_number_index == cipher.blind_index(id_number, ID_COLUMN))
    if kind:
        query = query.where(
            Subject.id.in_(select(SubjectKindRow.subject_id).where(SubjectKindRow.kind == kind.value))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Subject.id).limit(limit).offset(offset)).all()
    return total, rows


def to_out(subject: Subject) -> SubjectOut:
    return SubjectOut(
        id=subject.id,
        type=subject.type,  # type: ignore[arg-type]
        name=subject.name,
        kinds=[SubjectKind(k) for k in subject.kind_names],
        uscc=subject.uscc,
        id_number=subject.id_number_masked,
        gender=subject.gender,
        phone=subject.phone_masked,
        address=subject.address,
        legal_representative=subject.legal_representative,
        contact_person=subject.contact_person,
        intermediary_id=subject.intermediary_id,
        created_at=subject.created_at,
        updated_at=subject.updated_at,
    )


def unmasked(subject: Subject, cipher: PiiCipher) -> dict[str, Any]:
    """Clear-text personal data. Callers must hold an approved grant and log the view."""
    return {
        "id_number": cipher.decrypt(subject.id_number_enc, ID_COLUMN) if subject.id_number_enc else None,
        "phone": cipher.decrypt(subject.phone_enc, PHONE_COLUMN) if subject.phone_enc else None,
    }


def _set_phone(subject: Subject, cipher: PiiCipher, value: str | None, field: str) -> None:
    if not value:
        subject.phone_enc = subject.phone_index = subject.phone_masked = None
        return
    phone = valid_phone(value, field)
    subject.phone_enc = cipher.encrypt(phone, PHONE_COLUMN)
    subject.phone_index = cipher.blind_index(phone, PHONE_COLUMN)
    subject.phone_masked = mask_phone(phone)


def _check_kinds(subject_type: SubjectType, kinds: Sequence[SubjectKind]) -> list[SubjectKind]:
    allowed = ALLOWED_KINDS[subject_type]
    for kind in kinds:
        if kind not in allowed:
            label = "法人" if subject_type is SubjectType.LEGAL else "自然人"
            raise InvalidInput.field("kinds", f"{label}不能登记为“{kind.value}”类主体")
    return sorted(set(kinds))


def _check_intermediary(
    session: Session, kinds: Sequence[SubjectKind], intermediary_id: int | None
) -> int | None:
    if SubjectKind.PRACTITIONER not in kinds:
        if intermediary_id is not None:
            raise InvalidInput.field("intermediary_id", "只有从业人员可以关联中介机构")
        return None
    if intermediary_id is None:
        raise InvalidInput.field("intermediary_id", "从业人员必须关联所属中介机构")
    found = session.scalar(
        select(SubjectKindRow.subject_id).where(
            SubjectKindRow.subject_id == intermediary_id,
            SubjectKindRow.kind == SubjectKind.INTERMEDIARY.value,
        )
    )
    if found is None:
        raise InvalidInput.field("intermediary_id", f"主体 {intermediary_id} 不是已登记的中介机构")
    return intermediary_id


def _gender_from_id(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"
