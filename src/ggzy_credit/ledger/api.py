"""/api/v1/ledger: the tamper-evident log. Public — anyone may check heads and proofs, no login.

Entry data that carries personal information (natural persons) or unpublished records is withheld
from the public entry; staff and regulators read it from ``/entries/{index}/data`` (audited, like
every read of non-public data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import DomainError, InvalidInput, NotFound
from ggzy_credit.ledger import service, store
from ggzy_credit.ledger.keys import key_id, public_pem, signing_key
from ggzy_credit.ledger.models import LedgerLeaf
from ggzy_credit.ledger.schemas import (
    ConsistencyProofOut,
    EntryOut,
    HeadOut,
    HeadPage,
    InclusionProofOut,
    PublicKeyOut,
)
from ggzy_credit.web.deps import SessionDep, SettingsDep, allow, public
from ggzy_credit.web.params import Count, Offset

router = APIRouter(prefix="/ledger", tags=["防篡改账本 ledger"])
anyone = [Depends(public())]
insiders = [Depends(allow(Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR))]


class LedgerUnavailable(DomainError):
    status = 503
    code = "unavailable"


def _key(secrets_dir: Path | None) -> Ed25519PrivateKey:
    assert secrets_dir is not None
    try:
        return signing_key(secrets_dir)
    except FileNotFoundError:
        raise LedgerUnavailable("账本签名密钥尚未生成（请运行 ggzy-credit init）") from None


@router.get("/public-key", response_model=PublicKeyOut, dependencies=anyone, summary="账本签名公钥")
def public_key(settings: SettingsDep) -> PublicKeyOut:
    key = _key(settings.secrets_dir)
    return PublicKeyOut(key_id=key_id(key), public_key_pem=public_pem(key))


@router.get(
    "/head",
    response_model=HeadOut,
    dependencies=anyone,
    summary="最新的签名树头",
    responses={404: {"description": "尚未签名"}},
)
def latest_head(session: SessionDep) -> HeadOut:
    head = service.latest_head(session)
    if head is None:
        raise NotFound("账本尚无签名树头")
    return HeadOut.of(head)


@router.get("/heads", response_model=HeadPage, dependencies=anyone, summary="全部签名树头（由旧到新）")
def list_heads(
    session: SessionDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HeadPage:
    total, heads = service.heads(session, offset=offset, limit=limit)
    return HeadPage(total=total, items=[HeadOut.of(h) for h in heads])


@router.get(
    "/entries/{index}", response_model=EntryOut, dependencies=anyone, summary="账本条目（叶子数据与哈希）"
)
def read_entry(session: SessionDep, index: Count) -> EntryOut:
    return _entry(session, index, reveal=False)


@router.get(
    "/entries/{index}/data",
    response_model=EntryOut,
    dependencies=insiders,
    summary="账本条目（含不公开的叶子数据，查看留痕）",
)
def read_entry_data(session: SessionDep, index: Count) -> EntryOut:
    return _entry(session, index, reveal=True)


def _entry(session: SessionDep, index: int, *, reveal: bool) -> EntryOut:
    if index < 0:
        raise InvalidInput.field("index", "序号不能为负数")
    row: LedgerLeaf = service.entry(session, index)
    shown = reveal or row.public
    return EntryOut(
        index=row.leaf_index,
        kind=row.kind,
        entity=row.entity,
        entity_id=row.entity_id,
        leaf_hash=bytes(row.leaf_hash).hex(),
        data=bytes(row.data).decode("utf-8") if shown else None,
        withheld=not shown,
        created_at=row.created_at,
    )


def _default_size(session: Session, given: int | None, field: str) -> int:
    if given is not None:
        current = store.size(session)
        if given > current:
            raise InvalidInput.field(field, f"超过当前日志规模 {current}")
        return given
    head = service.latest_head(session)
    if head is None:
        raise InvalidInput.field(field, "账本尚无签名树头，请指定树的规模")
    return head.tree_size


@router.get(
    "/proof/inclusion", response_model=InclusionProofOut, dependencies=anyone, summary="包含证明（审计路径）"
)
def inclusion_proof(
    session: SessionDep,
    index: Annotated[Count, Query(description="叶子序号")],
    tree_size: Annotated[Count | None, Query(ge=1, description="树的规模，缺省为最新签名树头的规模")] = None,
) -> InclusionProofOut:
    size = _default_size(session, tree_size, "tree_size")
    if index >= size:
        raise InvalidInput.field("index", f"序号 {index} 不在规模为 {size} 的树中")
    path = store.inclusion_proof(session, index, size)
    leaf = store.fetch_nodes(session, {(0, index)})
    return InclusionProofOut(
        index=index,
        tree_size=size,
        leaf_hash=leaf[(0, index)].hex(),
        root_hash=store.root(session, size).hex(),
        audit_path=[p.hex() for p in path],
    )


@router.get(
    "/proof/consistency",
    response_model=ConsistencyProofOut,
    dependencies=anyone,
    summary="一致性证明（日志只增不改）",
)
def consistency_proof(
    session: SessionDep,
    first: Annotated[Count, Query(description="较早的树规模")],
    second: Annotated[Count | None, Query(description="较晚的树规模，缺省为最新签名树头的规模")] = None,
) -> ConsistencyProofOut:
    size = _default_size(session, second, "second")
    if first > size:
        raise InvalidInput.field("first", f"较早的规模 {first} 大于较晚的规模 {size}")
    return ConsistencyProofOut(
        first=first,
        second=size,
        first_root=store.root(session, first).hex(),
        second_root=store.root(session, size).hex(),
        proof=[p.hex() for p in store.consistency_proof(session, first, size)],
    )
