"""Settings read from the environment (prefix ``GGZY_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GGZY_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    secrets_dir: Path | None = None
    evidence_dir: Path | None = None
    evidence_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    batch_max_records: int = Field(default=1000, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    timezone: str = "Asia/Shanghai"
    # Scoring (issue #3): `serve` runs the daily evaluation at 00:30 Asia/Shanghai when true.
    scheduler: bool = False
    # Access (issue #5): session cookies Secure (turn off only for plain-HTTP development), HSTS when
    # served behind TLS, per-IP request rates (requests per minute; 0 disables a limit).
    cookie_secure: bool = True
    hsts: bool = False
    rate_login_per_minute: int = Field(default=10, ge=0)
    rate_search_per_minute: int = Field(default=30, ge=0)
    rate_public_per_minute: int = Field(default=300, ge=0)
    # Data exchange (issue #8): drop folder, source registry and monitoring rules overrides, webhooks.
    drop_dir: Path | None = None
    exchange_sources: Path | None = None
    monitoring_rules: Path | None = None
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_backoff_seconds: float = Field(default=30.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    exchange_jobs_interval: int = Field(default=0, ge=0)

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.var_dir / 'ggzy-credit.db').as_posix()}"
        if self.secrets_dir is None:
            self.secrets_dir = self.var_dir / "secrets"
        if self.evidence_dir is None:
            self.evidence_dir = self.var_dir / "evidence"
        if self.drop_dir is None:
            self.drop_dir = self.var_dir / "drop"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
