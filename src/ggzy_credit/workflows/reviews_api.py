"""/api/v1/record-reviews and /api/v1/records/{id}/reviews: 复核 — reviewers verify or question records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from ggzy_credit.auth.caller import Caller
from ggzy_credit.auth.roles import Role
from ggzy_credit.errors import NotFound
from ggzy_credit.records.models import CreditRecord
from ggzy_credit.web.deps import SessionDep, allow
from ggzy_credit.web.params import DbId, Offset
from ggzy_credit.workflows import record_reviews

router = APIRouter(tags=["信用记录复核 record reviews"])
reviewers = allow(Role.ADMIN, Role.REVIEWER, nonpublic=False)
readers = allow(Role.ADMIN, Role.REVIEWER, Role.RECORDER)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["verified", "questioned"] = Field(description="verified 复核无误；questioned 存疑")
    note: str | None = Field(None, max_length=4000, description="说明（存疑时必填）")


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    record_id: int
    seq: int
    status: str
    note: str | None
    reviewed_by: str
    reviewer_role: str
    reviewed_at: datetime


class QueueItem(BaseModel):
    record_id: int
    platform: str
    subject_id: int
    subject_name: str
    item_code: str
    points: int
    deducted_on: date
    recorded_by: str
    recorded_at: datetime
    status: str
    note: str | None


class QueuePage(BaseModel):
    total: int = Field(description=f"至多计到 {record_reviews.COUNT_CAP}")
    items: list[QueueItem]


@router.get(
    "/record-reviews", response_model=QueuePage, summary="待复核（或存疑、已复核）的信用记录，新录入的在前"
)
def review_queue(
    session: SessionDep,
    caller: Annotated[Caller, Depends(readers)],
    status_: Annotated[
        Literal["unreviewed", "questioned", "verified"], Query(alias="status", description="缺省 unreviewed")
    ] = "unreviewed",
    platform: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> QueuePage:
    total, rows = record_reviews.queue(
        session, caller, state=status_, platform=platform, limit=limit, offset=offset
    )
    return QueuePage(
        total=total,
        items=[
            QueueItem(
                record_id=r.id,
                platform=r.platform,
                subject_id=r.subject_id,
                subject_name=r.subject_name,
                item_code=r.item_code,
                points=r.points,
                deducted_on=r.deducted_on,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
                status=r.status,
                note=r.note,
            )
            for r in rows
        ],
    )


@router.get("/records/{record_id}/reviews", response_model=list[ReviewOut], summary="信用记录的复核经过")
def review_history(
    session: SessionDep, caller: Annotated[Caller, Depends(readers)], record_id: DbId
) -> list[ReviewOut]:
    if session.get(CreditRecord, record_id) is None:
        raise NotFound(f"信用记录 {record_id} 不存在")
    return [
        ReviewOut.model_validate(r) for r in record_reviews.history(session, [record_id]).get(record_id, [])
    ]


@router.post(
    "/records/{record_id}/reviews",
    response_model=ReviewOut,
    status_code=status.HTTP_201_CREATED,
    summary="复核信用记录（复核无误或存疑；不能复核本人录入的记录）",
    responses={409: {"description": "已复核无误、已撤销或更正，或刚由他人复核"}},
)
def review_record(
    session: SessionDep, caller: Annotated[Caller, Depends(reviewers)], record_id: DbId, data: ReviewIn
) -> ReviewOut:
    row = record_reviews.review(session, caller, record_id, data.status, data.note)
    return ReviewOut.model_validate(row)
