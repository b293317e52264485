"""The FastAPI application: JSON API under /api/v1, OpenAPI published at /openapi.json and /docs."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from sqlalchemy import Engine, text

from ggzy_credit import __version__
from ggzy_credit.approvals.api import router as approvals_router
from ggzy_credit.approvals.api import subject_router as approvals_subject_router
from ggzy_credit.audit.api import router as audit_router
from ggzy_credit.auth import api as access
from ggzy_credit.config import Settings, get_settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker
from ggzy_credit.exchange.api import router as exchange_router
from ggzy_credit.exchange.webhooks_api import router as webhooks_router
from ggzy_credit.financing import api as financing
from ggzy_credit.ledger.api import router as ledger_router
from ggzy_credit.monitoring.api import router as monitoring_router
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.portal import not_found as portal_not_found
from ggzy_credit.portal import router as portal_router
from ggzy_credit.records.api import router as records_router
from ggzy_credit.scoring.api import router as scoring_router
from ggzy_credit.scoring.public_api import router as public_scores_router
from ggzy_credit.standards.api import router as standards_router
from ggzy_credit.subjects.api import router as subjects_router
from ggzy_credit.web import errors, openapi, security
from ggzy_credit.web.deps import public
from ggzy_credit.workflows.api import router as workflows_router

DESCRIPTION = """
公共资源交易信用信息平台 API：经营主体登记、评估标准与数据清单公开、市场信用信息当日记录。

非公开接口须在 `Authorization: Bearer <令牌>` 中携带令牌（`ggzy-credit token create` 生成）。
错误均以 JSON 返回：`detail` 为说明（字段错误时为列表，`loc` 指明字段），`code` 为错误类别。
"""


API_PREFIX = "/api/v1"
API_ROUTERS = (
    standards_router,
    subjects_router,
    records_router,
    scoring_router,
    public_scores_router,
    exchange_router,
    webhooks_router,
    monitoring_router,
    ledger_router,
    access.auth_router,
    access.admin_router,
    approvals_router,
    approvals_subject_router,
    audit_router,
    workflows_router,
    financing.subject_router,
    financing.router,
)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(title="ggzy-credit 公共资源交易信用信息平台", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    assert settings.secrets_dir is not None
    app.state.cipher = pii_cipher(settings.secrets_dir)
    app.state.limiter = access.limiter(settings)
    errors.install(app)
    openapi.install(app)

    @app.get(
        "/healthz",
        tags=["运维 ops"],
        summary="健康检查",
        dependencies=[Depends(public(rate=None, audit=False))],
    )
    def healthz() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    # Each feature router is included in the app itself, not through an intermediate /api/v1 router:
    # FastAPI matches nested routers again at every level, and /healthz comes first, so a request
    # walks fewer routes (per-request CPU, benchmarks/score_load.py).
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(portal_router)  # the web portal (HTML pages and /assets); / is its home
    portal_not_found.install(app)  # unknown browser paths: an HTML 404 (the API keeps JSON)
    app.add_middleware(security.SecurityHeaders, hsts=settings.hsts)
    return app
