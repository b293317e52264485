"""Queueing audit lines on a unit of work; they are chained and written when it commits.

The access guard queues one line per request (``queue``); handlers add what only they know — the id
of a record they created, the approval grant they used — with ``note``. The lines are appended in
``before_commit``, inside the same transaction as the request's own writes: a write and its audit
line commit together or not at all, and the chain head is locked only for the commit itself.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ggzy_credit import clock
from ggzy_credit.audit import chain

_PENDING = "ggzy_audit_pending"
_CURRENT = "ggzy_audit_current"


def line(
    *,
    kind: str,
    action: str,
    actor: str,
    principal: str,
    role: str | None = None,
    organisation: str | None = None,
    subject_ids: Iterable[int] = (),
    record_ids: Iterable[int] = (),
    purpose: str | None = None,
    ip: str | None = None,
    grant_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "at": clock.now(),
        "kind": kind,
        "action": action[:200],
        "actor": actor[:120],
        "principal": principal[:40],
        "role": role,
        "organisation": organisation,
        "subject_ids": list(subject_ids),
        "record_ids": list(record_ids),
        "purpose": purpose,
        "ip": ip,
        "grant_id": grant_id,
        "detail": detail,
    }


def for_caller(caller: Any, *, kind: str, action: str, **fields: Any) -> dict[str, Any]:
    """A line for an authenticated ``Caller`` (who, role, organisation)."""
    return line(
        kind=kind,
        action=action,
        actor=caller.label,
        principal=caller.principal,
        role=caller.role.value,
        organisation=caller.organisation,
        **fields,
    )


def cli_line(action: str, **fields: Any) -> dict[str, Any]:
    """A line for an operator command (the shell user is the actor)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "unknown"
    return line(
        kind="cli", action=f"cli {action}", actor=f"cli:{user}", principal=f"cli:{user}"[:40], **fields
    )


def queue(session: Session, entry: dict[str, Any], *, current: bool = False) -> dict[str, Any]:
    """Write ``entry`` when ``session`` commits; ``current`` makes it the line ``note`` enriches."""
    session.info.setdefault(_PENDING, []).append(entry)
    if current:
        session.info[_CURRENT] = entry
    return entry


def note(
    session: Session,
    *,
    subject_ids: Iterable[int] = (),
    record_ids: Iterable[int] = (),
    grant_id: int | None = None,
    purpose: str | None = None,
    as_read: bool = False,
    **detail: Any,
) -> None:
    """Add targets or details to the request's audit line (no-op outside an audited request).

    ``purpose`` fills in the line's purpose when the caller gave none (e.g. the approved request's).
    ``as_read`` records a POST that only shows data (a form cannot GET without leaving it in history
    and caches) as the read it is, so it appears in the subject's enquiry list.
    """
    entry = session.info.get(_CURRENT)
    if entry is None:
        return
    if as_read and entry["kind"] == "write":
        entry["kind"] = "read"
    if purpose and not entry["purpose"]:
        entry["purpose"] = purpose[:500]
    entry["subject_ids"] = [*entry["subject_ids"], *subject_ids]
    entry["record_ids"] = [*entry["record_ids"], *record_ids]
    if grant_id is not None:
        entry["grant_id"] = grant_id
    if detail:
        entry["detail"] = {**(entry["detail"] or {}), **detail}


def deny(session: Session, reason: str) -> None:
    """Keep a refused request on record: roll back its work, commit its audit line as ``denied``.

    For refusals decided inside a handler (e.g. no approval grant); the caller raises afterwards.
    """
    entry = session.info.get(_CURRENT)
    session.rollback()
    if entry is not None:
        queue(session, entry | {"kind": "denied", "detail": {**(entry["detail"] or {}), "reason": reason}})
        session.commit()


def pending(session: Session) -> list[dict[str, Any]]:
    return list(session.info.get(_PENDING, []))


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    entries = session.info.pop(_PENDING, None)
    session.info.pop(_CURRENT, None)
    if entries:
        chain.append(session, entries)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_CURRENT, None)
