"""The FastAPI application: JSON API under /api/v1, OpenAPI published at /openapi.json and /docs."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine, text

from ggzy_credit import __version__
from ggzy_credit.config import Settings, get_settings
from ggzy_credit.db.engine import make_engine, make_sessionmaker
from ggzy_credit.pii.keys import pii_cipher
from ggzy_credit.records.api import router as records_router
from ggzy_credit.standards.api import router as standards_router
from ggzy_credit.subjects.api import router as subjects_router
from ggzy_credit.web import errors

DESCRIPTION = """
公共资源交易信用信息平台 API：经营主体登记、评估标准与数据清单公开、市场信用信息当日记录。

非公开接口须在 `Authorization: Bearer <令牌>` 中携带令牌（`ggzy-credit token create` 生成）。
错误均以 JSON 返回：`detail` 为说明（字段错误时为列表，`loc` 指明字段），`code` 为错误类别。
"""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(title="ggzy-credit 公共资源交易信用信息平台", version=__version__, description=DESCRIPTION)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    assert settings.secrets_dir is not None
    app.state.cipher = pii_cipher(settings.secrets_dir)
    errors.install(app)

    api = APIRouter(prefix="/api/v1")
    api.include_router(standards_router)
    api.include_router(subjects_router)
    api.include_router(records_router)
    app.include_router(api)

    @app.get("/healthz", tags=["运维 ops"], summary="健康检查")
    def healthz() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
