"""Request dependencies: a transaction per request, the caller, role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.config import Settings
from ggzy_credit.db.engine import unit_of_work
from ggzy_credit.pii.cipher import PiiCipher


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the handler returns, rolled back if it raises."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


def get_cipher(request: Request) -> PiiCipher:
    return request.app.state.cipher  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


# scope="function": commit (and write the audit trail) before the response leaves, so a failed commit
# is an error response, never a success the database forgot.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CipherDep = Annotated[PiiCipher, Depends(get_cipher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def allow(
    *roles: Role, own: Role | Iterable[Role] = (), nonpublic: bool = True, rate: str | None = None
) -> Callable[..., Caller]:
    """Declare and enforce a route's policy: callers with one of ``roles`` (401 if not signed in, else 403).

    ``own``: roles admitted only for the subjects they act for (``own=Role.SUBJECT``). ``nonpublic``
    (default): reads are audited and regulators must state a purpose; pass ``nonpublic=False`` for
    routes serving published data. See ``ggzy_credit.auth.policy`` and ``docs/access.md``.
    """
    from ggzy_credit.auth.guard import guard
    from ggzy_credit.auth.policy import Policy

    return guard(Policy.of(roles, own=own, nonpublic=nonpublic, rate=rate))


def public(rate: str | None = "public", audit: bool = True) -> Callable[..., None]:
    """Declare a route public (no login). ``rate`` names its per-IP rate bucket (None: unlimited);
    unsafe calls are audited as anonymous writes unless ``audit=False`` (routes that log themselves)."""
    from ggzy_credit.auth.guard import guard
    from ggzy_credit.auth.policy import Policy

    return guard(Policy.public_route(rate, audit))
