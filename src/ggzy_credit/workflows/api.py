"""Every workflow router, mounted under /api/v1 by ``web.app``."""

from __future__ import annotations

from fastapi import APIRouter

from ggzy_credit.workflows.commitments_api import router as commitments_router
from ggzy_credit.workflows.complaints_api import router as complaints_router
from ggzy_credit.workflows.misc_api import router as misc_router
from ggzy_credit.workflows.objections_api import router as objections_router
from ggzy_credit.workflows.repair_api import router as repair_router
from ggzy_credit.workflows.reviews_api import router as reviews_router

router = APIRouter()
for _r in (
    objections_router,
    repair_router,
    commitments_router,
    complaints_router,
    misc_router,
    reviews_router,
):
    router.include_router(_r)
