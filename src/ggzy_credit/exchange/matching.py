"""Matching import rows to registered subjects by USCC / ID number, and registering new ones.

Matching is set-based (one query per 500 identifiers). A row whose subject is not registered is
registered only when the source allows it and the row carries a full identity: a name and a valid
USCC (legal person) or resident ID number (natural person). Registration is set-based too
(:func:`register_many`), with the subject service's validation, encryption, masking and ledger entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.errors import InvalidInput
from ggzy_credit.exchange.formats import Problem
from ggzy_credit.identifiers import valid_id_number, valid_uscc
from ggzy_credit.ledger import service as ledger
from ggzy_credit.ledger.sources import SUBJECT_CREATED, SUBJECTS
from ggzy_credit.pii.cipher import PiiCipher, mask_id_number
from ggzy_credit.subjects.kinds import ALLOWED_KINDS, SubjectKind, SubjectType
from ggzy_credit.subjects.models import Subject, SubjectKindRow
from ggzy_credit.subjects.schemas import LegalPersonIn, NaturalPersonIn
from ggzy_credit.subjects.service import ID_COLUMN

# (column, value): ("uscc", compact USCC) or ("id_number_index", blind index of the ID number).
Key = tuple[str, str]
# Kinds a newly registered subject gets, in order of preference, when the row names none.
# Practitioners need an intermediary, so they are never chosen implicitly.
PREFERRED_KINDS = (SubjectKind.RESPONDER, SubjectKind.INITIATOR, SubjectKind.INTERMEDIARY, SubjectKind.EXPERT)


def identify(
    cipher: PiiCipher, uscc: str | None, id_number: str | None, line: int, prefix: str = ""
) -> tuple[Key | None, str | None, list[Problem]]:
    """The lookup key and the validated identifier, or the problem with the identifier."""
    if not uscc and not id_number:
        return None, None, [Problem(line, f"{prefix}uscc", "缺少统一社会信用代码或身份证号码")]
    column, value = ("uscc", uscc) if uscc else ("id_number", id_number)
    valid, problem = _validated(column, value)  # type: ignore[arg-type]
    if valid is None:
        return None, None, [Problem(line, f"{prefix}{column}", problem or "无效")]
    if column == "uscc":
        return ("uscc", valid), valid, []
    return ("id_number_index", cipher.blind_index(valid, ID_COLUMN)), valid, []


@lru_cache(maxsize=65536)
def _validated(column: str, value: str) -> tuple[str | None, str | None]:
    """(compact identifier, None) or (None, reason); lists name the same subjects many times."""
    try:
        return (valid_uscc(value) if column == "uscc" else valid_id_number(value)), None
    except InvalidInput as exc:
        return None, exc.problems[0].msg


def lookup(session: Session, keys: Iterable[Key]) -> dict[Key, int]:
    """Registered subject ids for the given keys (missing keys are absent from the result)."""
    found: dict[Key, int] = {}
    by_column: dict[str, list[str]] = {}
    for column, value in set(keys):
        by_column.setdefault(column, []).append(value)
    for column, values in by_column.items():
        attribute = getattr(Subject, column)
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            for value, sid in session.execute(select(attribute, Subject.id).where(attribute.in_(chunk))):
                found[(column, value)] = sid
    return found


def choose_kind(
    subject_type: SubjectType, applies_to: Iterable[str], requested: SubjectKind | None, line: int
) -> tuple[SubjectKind | None, list[Problem]]:
    """The kind a new subject is registered with: the row's, or the first that fits type and item."""
    allowed = ALLOWED_KINDS[subject_type]
    applies = set(applies_to)
    if requested is not None:
        if requested not in allowed or requested is SubjectKind.PRACTITIONER:
            return None, [Problem(line, "subject_kind", f"新登记的主体不能为“{requested.value}”类")]
        if requested.value not in applies:
            return None, [Problem(line, "subject_kind", f"信用事项不适用于“{requested.value}”类主体")]
        return requested, []
    for kind in PREFERRED_KINDS:
        if kind in allowed and kind.value in applies:
            return kind, []
    return None, [Problem(line, "subject_kind", "信用事项不适用于可自动登记的主体类别，请在行内指明主体类别")]


def registration(
    identifier: str,
    key: Key,
    name: str,
    kind: SubjectKind,
    *,
    legal_representative: str | None,
    address: str | None,
    line: int,
) -> tuple[LegalPersonIn | NaturalPersonIn | None, list[Problem]]:
    """The registration request for a new subject, validated as the subject API would."""
    try:
        if key[0] == "uscc":
            return LegalPersonIn(
                type="legal",
                name=name,
                uscc=identifier,
                kinds=[kind],
                address=address,
                legal_representative=legal_representative,
            ), []
        return NaturalPersonIn(
            type="natural", name=name[:100], id_number=identifier, kinds=[kind], address=address
        ), []
    except ValidationError as exc:
        return None, [
            Problem(line, ".".join(map(str, e["loc"])) or "subject_name", f"无法登记主体：{e['msg']}")
            for e in exc.errors()
        ]


def register_many(
    session: Session, cipher: PiiCipher, people: list[LegalPersonIn | NaturalPersonIn]
) -> list[int]:
    """Register new subjects in bulk: what ``subjects.service.create_subject`` does for each, set-based.

    The rows were validated (identifiers, kinds: never practitioners, so no intermediary) and looked up
    (not registered) by the importer. One INSERT for the subjects, one for their kinds, one ledger
    append (``subject.created``, as registration through the service logs) — instead of a few queries
    and a ledger append per subject. Returns the new ids in the order of ``people``.
    """
    if not people:
        return []
    now = clock.now()
    rows: list[dict[str, object]] = []
    keys: list[Key] = []
    for data in people:
        row: dict[str, object] = {
            "type": data.type,
            "name": data.name,
            "address": data.address,
            "created_at": now,
            "updated_at": now,
        }
        if isinstance(data, LegalPersonIn):
            uscc = valid_uscc(data.uscc)
            row |= {"uscc": uscc, "legal_representative": data.legal_representative}
            keys.append(("uscc", uscc))
        else:
            number = valid_id_number(data.id_number)
            index = cipher.blind_index(number, ID_COLUMN)
            row |= {
                "id_number_enc": cipher.encrypt(number, ID_COLUMN),
                "id_number_index": index,
                "id_number_masked": mask_id_number(number),
                "gender": data.gender or _gender(number),
            }
            keys.append(("id_number_index", index))
        rows.append(row)
    session.execute(insert(Subject), rows)
    found = lookup(session, keys)
    ids = [found[k] for k in keys]
    session.execute(
        insert(SubjectKindRow),
        [
            {"subject_id": sid, "kind": kind.value}
            for sid, data in zip(ids, people, strict=True)
            for kind in data.kinds
        ],
    )
    ledger.log_rows(session, SUBJECT_CREATED, SUBJECTS, ids)
    return ids


def _gender(id_number: str) -> str:
    """GB 11643: the 17th digit is odd for men (as the subject service defaults it)."""
    return "男" if int(id_number[16]) % 2 else "女"
