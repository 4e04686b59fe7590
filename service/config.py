"""The one settings object. Every value can come from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
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


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
