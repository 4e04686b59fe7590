"""Registered clients: the file format, the registry built from it, and the rules on what a client may do."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Scope = Literal["recommend", "decisions:read", "feedback", "admin"]
ALL_SCOPES: frozenset[str] = frozenset(("recommend", "decisions:read", "feedback", "admin"))
DEV_CLIENT_ID = "dev"
HASH_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Client:
    """Who calls: a registered client, or with authentication off the default client with every scope.
    Routes take it as the `Caller` dependency (service/api/deps.py)."""

    id: str  # recorded as the client of each decision it asks for
    scopes: frozenset[str]
    tenant: str | None = None  # the health system whose overrides its answers show (service/core/tenants.py)

    def has(self, scope: str) -> bool:
        """`admin` holds every scope."""
        return scope in self.scopes or "admin" in self.scopes

    @property
    def owner(self) -> str | None:
        """Whose decisions this client may read and give feedback on: its own, or every client's (None)
        with `admin`."""
        return None if "admin" in self.scopes else self.id


def can_read(client: Client, owner_id: str) -> bool:
    """A client reads only the decisions it asked for, unless it has `admin`."""
    return "admin" in client.scopes or client.id == owner_id


class ClientsFileError(Exception):
    """The clients file cannot be used; start-up stops with this message (it never holds a key)."""


class RateLimit(BaseModel):
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    model_config = ConfigDict(extra="forbid")

    per_minute: float = Field(default=600, gt=0, le=1_000_000)
    burst: int = Field(default=60, ge=1, le=100_000)


class CdsHooksIssuer(BaseModel):
    """A CDS client (an EHR) that signs JWTs: its `iss` and where its public keys are."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1, max_length=500)
    jwks_url: str | None = Field(default=None, pattern=r"^https?://")
    jwks_file: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> CdsHooksIssuer:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError("give exactly one of jwks_url and jwks_file")
        if self.jwks_url is not None and self.jwks_url.startswith("http://"):
            host = urlsplit(self.jwks_url).hostname
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise ValueError("jwks_url must be https (plain http only on this machine's loopback)")
        return self


class ClientEntry(BaseModel):
    """One registered client, as written in the clients file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    scopes: list[Scope] = Field(min_length=1)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    api_keys: list[str] = Field(default_factory=list, description="`sha256:<hex>` of each valid key")
    cds_hooks: CdsHooksIssuer | None = None
    # The tenant (health system) it belongs to: a file `<tenant>.yaml` in TENANTS_DIR. A CDS Hooks issuer's
    # JWTs are this client's, so they get this tenant too.
    tenant: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")

    @field_validator("api_keys")
    @classmethod
    def _hashes(cls, keys: list[str]) -> list[str]:
        for number, key in enumerate(keys):
            if not HASH_PATTERN.match(key):
                # Never repeat the value: a key pasted by mistake must not reach a log.
                raise ValueError(f"api_keys[{number}] is not a `sha256:<64 hex digits>` hash")
        return keys


class ClientsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: list[ClientEntry] = Field(default_factory=list)


def key_hash(key: str) -> str:
    """How a key is stored: SHA-256 of the whole key (the key itself holds 256 random bits)."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Registry:
    """Every registered client, by id, by key hash and by CDS Hooks issuer."""

    entries: dict[str, ClientEntry]
    by_key_hash: dict[str, str]
    by_issuer: dict[str, str]

    def client(self, client_id: str) -> Client:
        entry = self.entries[client_id]
        return Client(id=client_id, scopes=frozenset(entry.scopes), tenant=entry.tenant)

    def tenants(self) -> dict[str, str]:
        """The tenant each client that names one belongs to, by client id."""
        return {client_id: e.tenant for client_id, e in self.entries.items() if e.tenant is not None}

    def by_api_key(self, key: str) -> Client | None:
        client_id = self.by_key_hash.get(key_hash(key))
        return None if client_id is None else self.client(client_id)

    def rate_limit(self, client_id: str) -> RateLimit:
        return self.entries[client_id].rate_limit


def check_tenants(registry: Registry, known: Collection[str]) -> None:
    """Every tenant a client names has an overrides file; raises ClientsFileError naming the client."""
    for client_id, tenant in sorted(registry.tenants().items()):
        if tenant not in known:
            raise ClientsFileError(
                f"client {client_id!r} names tenant {tenant!r}, which has no file in TENANTS_DIR "
                "(each tenant is a file <tenant>.yaml there)"
            )


def build(entries: list[ClientEntry]) -> Registry:
    by_id: dict[str, ClientEntry] = {}
    by_key_hash: dict[str, str] = {}
    by_issuer: dict[str, str] = {}
    for entry in entries:
        if entry.id in by_id:
            raise ClientsFileError(f"client {entry.id!r} is registered twice")
        by_id[entry.id] = entry
        for digest in entry.api_keys:
            if digest in by_key_hash:
                raise ClientsFileError(f"client {entry.id!r}: a key hash is already used by another entry")
            by_key_hash[digest] = entry.id
        if entry.cds_hooks is not None:
            if entry.cds_hooks.issuer in by_issuer:
                raise ClientsFileError(f"client {entry.id!r}: its CDS Hooks issuer is already registered")
            by_issuer[entry.cds_hooks.issuer] = entry.id
    return Registry(entries=by_id, by_key_hash=by_key_hash, by_issuer=by_issuer)


def read_file(path: Path) -> list[ClientEntry]:
    """The clients file, checked; relative JWKS file paths are relative to the clients file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ClientsFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ClientsFileError(f"{path}: not valid YAML ({type(exc).__name__})") from None
    try:
        parsed = ClientsFile.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ClientsFileError(f"{path}: {reasons}") from None
    for entry in parsed.clients:
        hooks = entry.cds_hooks
        if hooks is not None and hooks.jwks_file is not None and not hooks.jwks_file.is_absolute():
            hooks.jwks_file = path.parent / hooks.jwks_file
    return parsed.clients


def load(clients_file: Path | None, dev_api_key: str | None) -> Registry:
    """The registry of this process: the clients file, plus the development client when a dev key is set."""
    entries = read_file(clients_file) if clients_file is not None else []
    if dev_api_key is not None:
        if len(dev_api_key) < 16:
            raise ClientsFileError("DEV_API_KEY must be at least 16 characters")
        entries.append(
            ClientEntry(
                id=DEV_CLIENT_ID,
                scopes=sorted(ALL_SCOPES),  # type: ignore[arg-type]
                rate_limit=RateLimit(per_minute=60_000, burst=10_000),
                api_keys=[key_hash(dev_api_key)],
            )
        )
    try:
        return build(entries)
    except ClientsFileError as exc:
        raise ClientsFileError(f"{clients_file or 'DEV_API_KEY'}: {exc}") from None
