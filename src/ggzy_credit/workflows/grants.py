"""The one place a workflow decision asks the approvals feature (四眼原则, issue #5) for permission.

Changing credit data needs a second person's approval (山东方案（十二）"未经批准，不得擅自……更改信用
数据"): an upheld objection corrects or revokes a record only with a ``credit_change`` grant on that
record, requested by the decider (``POST /api/v1/approvals``) and approved by another administrator
or reviewer. Every decision goes through :func:`use_credit_change_grant`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ggzy_credit.approvals import service as approvals


def use_credit_change_grant(session: Session, caller: Any, record_id: int, purpose: str) -> str:
    """Consume one use of the caller's approved, unexpired ``credit_change`` grant on ``record_id``.

    Returns a reference to the grant (kept on the decided case). Raises ``Forbidden`` (code
    ``approval_required``) when the caller holds none; in the caller's transaction, so a decision that
    fails later does not use the grant up. ``purpose`` is the workflow's reason, for the log line.
    """
    grant = approvals.require_grant(
        session, caller, approvals.Kind.CREDIT_CHANGE, approvals.Target.record(record_id)
    )
    approvals.use_grant(session, grant)
    return f"approval:{grant.id}"
