"""Where the caller stands with an approval (审批) for a target: holds a grant, asked for one, or neither."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ggzy_credit.approvals import service as approvals
from ggzy_credit.auth.caller import Caller

HELD, PENDING, NONE = "held", "pending", "none"


def grant_state(session: Session, caller: Caller, kind: approvals.Kind, target: approvals.Target) -> str:
    """``held`` (an approved, unexpired grant covers ``target``), ``pending`` (requested), or ``none``."""
    try:
        approvals.require_grant(session, caller, kind, target)
        return HELD
    except approvals.ApprovalRequired:
        pass
    _total, mine = approvals.listing(
        session, caller, state=approvals.State.PENDING, kind=kind, mine=True, limit=200, offset=0
    )
    targets = approvals.targets_of(session, [r.id for r in mine])
    return PENDING if any(target in targets.get(r.id, []) for r in mine) else NONE
