"""/api/v1/users and /api/v1/tokens: the centre administrator manages accounts and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy_credit.audit import trail
from ggzy_credit.auth import accounts
from ggzy_credit.auth.models import ApiToken, User
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.schemas import RotateIn, TokenCreated, TokenIn, TokenOut, UserIn, UserOut
from ggzy_credit.auth.tokens import create_token, revoke_token, rotate_token
from ggzy_credit.errors import InvalidInput
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.web.params import DbId

router = APIRouter(tags=["账号与令牌 accounts"])
admin = allow(Role.ADMIN, nonpublic=False)


def user_out(session: Session, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=Role(user.role),
        organisation=user.organisation,
        subject_ids=accounts.subjects_of(session, user.id),
        platforms=user.platforms,
        totp_enabled=user.totp_secret_enc is not None,
        locked=user.locked_at is not None,
        created_at=user.created_at,
    )


def token_out(row: ApiToken) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        user_id=row.user_id,
        subject_id=row.subject_id,
        organisation=row.organisation,
        scopes=row.scopes,
        platforms=row.platforms,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        rotated_from_id=row.rotated_from_id,
    )


@router.get("/users", response_model=list[UserOut], dependencies=[Depends(admin)], summary="用户账号列表")
def list_users(session: SessionDep) -> list[UserOut]:
    return [user_out(session, u) for u in accounts.list_users(session)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(admin)],
    summary="创建用户账号",
    responses={409: {"description": "用户名已存在"}},
)
def create_user(session: SessionDep, data: UserIn) -> UserOut:
    user = accounts.create_user(
        session,
        username=data.username,
        password=data.password,
        role=data.role,
        display_name=data.display_name,
        organisation=data.organisation,
        subject_ids=data.subject_ids,
        platforms=data.platforms,
    )
    trail.note(session, subject_ids=data.subject_ids, user=user.username)
    return user_out(session, user)


@router.post(
    "/users/{user_id}/lock",
    response_model=UserOut,
    dependencies=[Depends(admin)],
    summary="锁定账号（会话与个人令牌随即失效）",
)
def lock_user(session: SessionDep, user_id: DbId) -> UserOut:
    user = accounts.get_user(session, user_id)
    accounts.lock(session, user)
    return user_out(session, user)


@router.post(
    "/users/{user_id}/unlock",
    response_model=UserOut,
    dependencies=[Depends(admin)],
    summary="解锁账号（并清除登录失败计数）",
)
def unlock_user(session: SessionDep, user_id: DbId) -> UserOut:
    user = accounts.get_user(session, user_id)
    accounts.unlock(session, user)
    return user_out(session, user)


@router.get("/tokens", response_model=list[TokenOut], dependencies=[Depends(admin)], summary="API 令牌列表")
def list_tokens(session: SessionDep) -> list[TokenOut]:
    return [token_out(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


@router.post(
    "/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(admin)],
    summary="签发 API 令牌（令牌只显示这一次）",
)
def issue_token(session: SessionDep, data: TokenIn) -> TokenCreated:
    if data.role is None and data.user_id is None:
        raise InvalidInput.field("role", "请指定角色，或指定个人令牌所属用户")
    row, secret = create_token(
        session,
        data.role or Role.ADMIN,
        data.name,
        subject_id=data.subject_id,
        valid_days=data.valid_days,
        scopes=data.scopes,
        platforms=data.platforms,
        organisation=data.organisation,
        user_id=data.user_id,
    )
    trail.note(session, token_id=row.id)
    return TokenCreated(**token_out(row).model_dump(), token=secret)


@router.post(
    "/tokens/{token_id}/rotate",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(admin)],
    summary="轮换令牌（旧令牌在宽限期后失效）",
)
def rotate(session: SessionDep, token_id: DbId, data: RotateIn) -> TokenCreated:
    row, secret = rotate_token(session, token_id, grace_hours=data.grace_hours)
    trail.note(session, token_id=row.id, rotated_from=token_id)
    return TokenCreated(**token_out(row).model_dump(), token=secret)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(admin)],
    summary="吊销令牌",
)
def revoke(session: SessionDep, token_id: DbId) -> Response:
    revoke_token(session, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
