"""Servers with a clients file, keys and tokens made in the test, and a JWKS served over loopback."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service.auth.clients import key_hash
from service.auth.keys import new_key
from tests.support.server import ServerProcess


@dataclass
class Server:
    base: str
    output: Any

    def log(self) -> str:
        self.output.seek(0)
        return str(self.output.read())


@contextmanager
def serve(*args: str, **env: str) -> Iterator[Server]:
    """`python -m service` on a free loopback port, its output kept for the test to read."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DEV_API_KEY", "CLIENTS_FILE")}
    with ServerProcess(*args, base_env=environ, dev_key=False, env={"LOG_LEVEL": "debug", **env}) as server:
        yield Server(base=server.base_url, output=server.output_file)


def clients_file(directory: Path, clients: list[dict[str, Any]]) -> Path:
    path = directory / "clients.yaml"
    path.write_text(yaml.safe_dump({"clients": clients}))
    return path


@dataclass
class ApiKey:
    key: str = field(default_factory=new_key)

    @property
    def hash(self) -> str:
        return key_hash(self.key)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class SigningKey:
    """A CDS client's key pair: ES384 (P-384) or RS384 (RSA 2048), made by `cryptography`."""

    alg: str
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    private: Any = None

    def __post_init__(self) -> None:
        if self.private is None:
            if self.alg.startswith("ES"):
                self.private = ec.generate_private_key(ec.SECP384R1())
            else:
                self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.ECAlgorithm if self.alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
        public: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": self.alg}

    def token(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(claims, self.private, algorithm=self.alg, headers={"kid": self.kid, **header})


def claims(issuer: str, audience: str, **changes: Any) -> dict[str, Any]:
    """The spec's claims, valid now; `changes` override (None removes one)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + 240,
        "jti": str(uuid.uuid4()),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


class JwksServer:
    """A CDS client's JWKS endpoint on loopback; `keys` can change while it runs (key rotation)."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
