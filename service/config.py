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
    # Per-tenant overrides: a directory of `<tenant id>.yaml` files (service/core/tenants.py); reloaded with
    # the rules. Empty: no tenants (a client naming a tenant then stops start-up).
    tenants_dir: Path | None = None
    # With AUTH_ENABLED=false, the tenant every caller belongs to (its file must be in TENANTS_DIR);
    # empty: none. Registered clients name their own (`tenant:` in CLIENTS_FILE).
    default_tenant: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_batch_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # A FHIR Bundle (Content-Type application/fhir+json) may be larger than a JSON comparison.
    max_fhir_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    max_fhir_entries: int = Field(default=2000, ge=1, le=20_000)
    # Batch requests one worker answers at once (each may parse up to MAX_BATCH_BODY_BYTES); one more is 503.
    max_batches_in_flight: int = Field(default=1, ge=1, le=64)
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
    # The review page for the clinical team (GET /review): off unless set to true.
    review_page: bool = False

    # Authentication (issue 7; see service/auth/ and the README's "Clients and keys").
    # Off only when set to false explicitly; the service then warns at start-up.
    auth_enabled: bool = True
    # YAML file registering clients: ids, scopes, rate limits, API key hashes, CDS Hooks issuers.
    clients_file: Path | None = None
    # A local development key: when set, a client `dev` with every scope accepts it. `make run` sets one.
    dev_api_key: SecretStr | None = None
    # The URL clients reach this service at (behind a proxy); a CDS Hooks JWT's `aud` must be
    # this base plus the endpoint's path. Empty: the URL of the request as the server sees it.
    public_base_url: str | None = Field(default=None, pattern=r"^https?://[^/?#]+(/[^?#]*)?$")
    # Clock skew allowed on a JWT's exp and iat, and the longest lifetime accepted (the spec: 5 minutes).
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_max_lifetime_seconds: int = Field(default=300, ge=10, le=3600)
    # JWKS cache: kept this long; an unknown `kid` refetches at most once per cooldown.
    jwks_cache_seconds: int = Field(default=3600, ge=0)
    jwks_refresh_cooldown_seconds: float = Field(default=10.0, ge=0)
    # A shared store for used JWT ids and rate-limit buckets, so several workers or replicas act as one
    # (e.g. redis://127.0.0.1:6379/0). Empty: each process keeps its own.
    redis_url: str | None = Field(default=None, pattern=r"^rediss?://")
    redis_prefix: str = Field(default="nextsteps:", max_length=100)
    # Longest time one request may take, body included; past it the answer is 503.
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # CDS Hooks `patient-view`: the page about this service that cards link as their source (never the
    # API docs; empty: no source.url), and the EHR FHIR servers it may read when a prefetch is missing
    # (JSON list of base URLs; empty: any https server). Reads are bounded in time and size.
    cds_source_url: str | None = Field(default=None, pattern=r"^https?://")
    cds_fhir_servers: list[str] = Field(default_factory=list)
    cds_fhir_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    cds_fhir_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    # Longest time a connection may take to send its request line and headers (408 and closed past it).
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Open connections one worker keeps; one more is answered 503 and closed (service/web/http_protocol.py).
    max_connections_per_worker: int = Field(default=100, ge=1, le=10_000)
    # Proxies whose X-Forwarded-For/-Proto are believed (addresses or networks, as a JSON list);
    # empty: those headers are ignored, whoever sends them.
    forwarded_allow_ips: list[str] = Field(default_factory=list)
    # Strict-Transport-Security max-age on every response (0: no header).
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)

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
