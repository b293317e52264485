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

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.var_dir / 'ggzy-credit.db').as_posix()}"
        if self.secrets_dir is None:
            self.secrets_dir = self.var_dir / "secrets"
        if self.evidence_dir is None:
            self.evidence_dir = self.var_dir / "evidence"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
