"""A small FHIR server on loopback for the fetch path: reads and simple searches over test resources.

No FHIR server installs from the package registries here (see the README), so this serves
`Type/id`, `Type?patient=` (with `code=` for Observations), `PractitionerRole?practitioner=` and
paged searchsets, and insists on the bearer token it was given.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PAGE = 3


class FhirStore:
    def __init__(self, resources: list[dict[str, Any]], token: str) -> None:
        self.resources = resources
        self.token = token
        self.requests: list[str] = []
        self.authorizations: list[str | None] = []

    def search(self, kind: str, params: dict[str, list[str]]) -> list[dict[str, Any]]:
        found = [r for r in self.resources if r["resourceType"] == kind]
        if "patient" in params:
            patient = f"Patient/{params['patient'][0]}"
            found = [r for r in found if (r.get("subject") or {}).get("reference") == patient]
        if "practitioner" in params:
            wanted = params["practitioner"][0]
            found = [r for r in found if (r.get("practitioner") or {}).get("reference") == wanted]
        if "code" in params:
            codes = {tuple(c.split("|", 1)) for c in params["code"][0].split(",")}
            found = [
                r
                for r in found
                if any((c.get("system"), c.get("code")) in codes for c in r.get("code", {}).get("coding", []))
            ]
        return found


def _handler(store: FhirStore, base: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            store.requests.append(self.path)
            store.authorizations.append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != f"Bearer {store.token}":
                self._send(401, {"resourceType": "OperationOutcome", "issue": []})
                return
            url = urlsplit(self.path)
            parts = url.path.removeprefix("/fhir").strip("/").split("/")
            if len(parts) == 2:
                match = [
                    r for r in store.resources if r["resourceType"] == parts[0] and r.get("id") == parts[1]
                ]
                self._send(200, match[0]) if match else self._send(404, {"resourceType": "OperationOutcome"})
                return
            params = parse_qs(url.query)
            page = int(params.pop("_page", ["0"])[0])
            found = store.search(parts[0], params)
            bundle: dict[str, Any] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found),
                "entry": [
                    {
                        "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                        "resource": r,
                        "search": {"mode": "match"},
                    }
                    for r in found[page * PAGE : (page + 1) * PAGE]
                ],
            }
            if (page + 1) * PAGE < len(found):
                query = "&".join(p for p in url.query.split("&") if p and not p.startswith("_page="))
                next_url = f"{base}/{parts[0]}?{query}&_page={page + 1}"
                bundle["link"] = [{"relation": "next", "url": next_url}]
            self._send(200, bundle)

    return Handler


@contextmanager
def serving(resources: list[dict[str, Any]], token: str) -> Iterator[tuple[str, FhirStore]]:
    store = FhirStore(resources, token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}/fhir"
    server.RequestHandlerClass = _handler(store, base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, store
    finally:
        server.shutdown()
        server.server_close()
