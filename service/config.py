"""The one settings object. Every value can come from the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Service settings; environment variables use the same names, upper-case."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    rules_dir: Path = PROJECT_ROOT / "rules"
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_batch_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    log_level: str = Field(default="info", pattern="^(critical|error|warning|info|debug)$")
    workers: int = Field(default=1, ge=1, le=64)
    shutdown_timeout: int = Field(default=20, ge=1, le=3600)
    prometheus_multiproc_dir: Path | None = None
    # Browser origins allowed to call the API (CORS); empty = no CORS headers at all.
    # From the environment as JSON: CORS_ORIGINS='["https://portal.example.org"]'.
    cors_origins: list[str] = Field(default_factory=list)
    # Benchmarks only: serve POST /bench/floor, which validates like POST /v1/recommendations and
    # answers a fixed recommendation of the same size without the engine (bench/http_bench.py).
    bench_floor: bool = False

    # Decision log (service/decisions/). SQLite under data_dir unless DATABASE_URL names another store.
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: SecretStr | None = None
    decision_store: Literal["on", "off"] = "on"  # off: nothing is recorded (no audit); for measurement only
    decision_request_storage: Literal["full", "hashed", "none"] = "none"
    decision_request_salt: SecretStr | None = None
    decision_default_client: str = Field(default="anonymous", min_length=1, max_length=200)
    decision_retention_days: int | None = Field(default=None, ge=1)
    decision_store_wait_s: float = Field(default=30, ge=0, le=600)  # start-up waits this long for the store

    @model_validator(mode="after")
    def _salt_when_hashed(self) -> "Settings":
        if self.decision_request_storage == "hashed" and not self.decision_request_salt:
            raise ValueError("DECISION_REQUEST_SALT is required when DECISION_REQUEST_STORAGE=hashed")
        return self


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
