"""User accounts: staff, regulators (platform-scoped, organisation recorded), market entities, banks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.auth import passwords, totp
from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.models import LoginThrottle, PortalSession, User, UserSubject
from ggzy_credit.auth.roles import Role
from ggzy_credit.auth.tokens import check_platforms
from ggzy_credit.errors import Conflict, InvalidInput, NotFound
from ggzy_credit.pii.cipher import PiiCipher
from ggzy_credit.subjects.models import Subject

TOTP_COLUMN = "users.totp_secret"
TOTP_ROLES = frozenset({Role.ADMIN, Role.RECORDER, Role.REVIEWER, Role.REGULATOR})
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def normalise_username(username: str) -> str:
    return username.strip().lower()


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    organisation: str | None = None,
    subject_ids: Sequence[int] = (),
    platforms: Iterable[str] | None = None,
) -> User:
    name = normalise_username(username)
    if not 3 <= len(name) <= 64 or not set(name) <= _USERNAME_CHARS:
        raise InvalidInput.field("username", "用户名应为 3–64 位小写字母、数字或 . _ - @")
    if not display_name.strip():
        raise InvalidInput.field("display_name", "姓名（显示名）不能为空")
    if role is Role.SUBJECT and not subject_ids:
        raise InvalidInput.field("subject_ids", "经营主体账号须至少关联一个经营主体")
    if role is not Role.SUBJECT and subject_ids:
        raise InvalidInput.field("subject_ids", "只有经营主体账号可以关联经营主体")
    if role in (Role.REGULATOR, Role.BANK) and not (organisation or "").strip():
        raise InvalidInput.field("organisation", "监管部门和金融机构账号须登记所属单位")
    passwords.check_policy(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"用户名 {name} 已存在")
    now = clock.now()
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role.value,
        organisation=(organisation or "").strip() or None,
        password_hash=passwords.hash_password(password),
        password_changed_at=now,
        platforms=check_platforms(session, platforms),
        created_at=now,
    )
    session.add(user)
    session.flush()
    link_subjects(session, user, subject_ids)
    return user


def link_subjects(session: Session, user: User, subject_ids: Sequence[int]) -> None:
    wanted = sorted(set(subject_ids))
    if wanted:
        found = set(session.scalars(select(Subject.id).where(Subject.id.in_(wanted))))
        missing = [s for s in wanted if s not in found]
        if missing:
            raise InvalidInput.field("subject_ids", f"经营主体 {missing[0]} 不存在")
    have = set(session.scalars(select(UserSubject.subject_id).where(UserSubject.user_id == user.id)))
    session.add_all(UserSubject(user_id=user.id, subject_id=s) for s in wanted if s not in have)
    session.flush()


def get_user(session: Session, username_or_id: str | int) -> User:
    if isinstance(username_or_id, int) or str(username_or_id).isdigit():
        user = session.get(User, int(username_or_id))
    else:
        user = session.scalar(select(User).where(User.username == normalise_username(str(username_or_id))))
    if user is None:
        raise NotFound(f"用户 {username_or_id} 不存在")
    return user


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.id)).all()


def subjects_of(session: Session, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(UserSubject.subject_id)
            .where(UserSubject.user_id == user_id)
            .order_by(UserSubject.subject_id)
        )
    )


def set_password(session: Session, user: User, password: str, *, current: str | None = None) -> None:
    if current is not None and not passwords.verify_password(user.password_hash, current):
        raise InvalidInput.field("current_password", "当前密码错误")
    passwords.check_policy(password, user.username)
    if passwords.verify_password(user.password_hash, password):
        raise InvalidInput.field("password", "新密码不能与当前密码相同")
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = clock.now()
    end_sessions(session, user.id)


def lock(session: Session, user: User) -> None:
    """Manual lock: every session ends, every personal token stops working until ``unlock``."""
    if user.locked_at is None:
        user.locked_at = clock.now()
    end_sessions(session, user.id)


def unlock(session: Session, user: User) -> None:
    """Clears the manual lock and the failed-login back-off."""
    from ggzy_credit.auth.login import throttle_key

    user.locked_at = None
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle_key(user.username)))


def end_sessions(session: Session, user_id: int) -> None:
    now = clock.now()
    for row in session.scalars(
        select(PortalSession).where(PortalSession.user_id == user_id, PortalSession.revoked_at.is_(None))
    ):
        row.revoked_at = now


def enable_totp(session: Session, cipher: PiiCipher, user: User) -> tuple[bytes, str]:
    """A new second-factor secret; returns it and the otpauth:// URI for an authenticator app."""
    if Role(user.role) not in TOTP_ROLES:
        raise InvalidInput.field("username", "动态口令仅适用于工作人员和监管部门账号")
    secret = totp.new_secret()
    user.totp_secret_enc = cipher.encrypt(totp.base32(secret), TOTP_COLUMN)
    user.totp_last_step = None
    session.flush()
    return secret, totp.provisioning_uri(secret, user.username)


def disable_totp(user: User) -> None:
    user.totp_secret_enc = None
    user.totp_last_step = None


def totp_secret(cipher: PiiCipher, user: User) -> bytes | None:
    if user.totp_secret_enc is None:
        return None
    import base64

    text = cipher.decrypt(user.totp_secret_enc, TOTP_COLUMN)
    return base64.b32decode(text + "=" * (-len(text) % 8))


def caller_for_user(
    session: Session,
    user: User,
    *,
    token_id: int | None = None,
    session_id: int | None = None,
    scopes: frozenset[str] | None = None,
) -> Caller:
    return Caller(
        token_id=token_id,
        name=user.username,
        role=Role(user.role),
        user_id=user.id,
        organisation=user.organisation,
        subject_ids=frozenset(subjects_of(session, user.id)),
        platforms=frozenset(user.platforms) if user.platforms else None,
        scopes=scopes,
        session_id=session_id,
    )
