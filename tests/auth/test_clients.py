"""The clients file and the rules on what a client may do."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.auth.clients import (
    ALL_SCOPES,
    Client,
    ClientsFileError,
    can_read,
    key_hash,
    load,
)
from service.auth.keys import new_key


def test_a_client_reads_only_its_own_decisions() -> None:
    portal = Client(id="portal-a", scopes=frozenset({"recommend", "decisions:read"}))
    assert can_read(portal, "portal-a")
    assert not can_read(portal, "portal-b")


def test_admin_reads_every_decision() -> None:
    ops = Client(id="ops", scopes=frozenset({"admin"}))
    assert can_read(ops, "portal-a") and can_read(ops, "ops")


def test_a_decision_list_is_filtered_to_the_client_unless_admin() -> None:
    assert Client(id="portal-a", scopes=frozenset({"decisions:read"})).owner == "portal-a"
    assert Client(id="ops", scopes=frozenset({"admin"})).owner is None


def test_admin_holds_every_scope_and_others_only_theirs() -> None:
    assert all(Client(id="ops", scopes=frozenset({"admin"})).has(s) for s in ALL_SCOPES)
    reader = Client(id="r", scopes=frozenset({"decisions:read"}))
    assert reader.has("decisions:read") and not reader.has("recommend") and not reader.has("admin")


def test_keys_are_high_entropy_and_stored_as_sha256() -> None:
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(k.startswith("nsk_") and len(k) == 47 for k in keys)
    key = keys.pop()
    digest = key_hash(key)
    assert digest.startswith("sha256:") and len(digest) == 71 and key not in digest


def test_the_registry_finds_a_client_by_key(tmp_path: Path) -> None:
    key, other = new_key(), new_key()
    path = tmp_path / "c.yaml"
    path.write_text(
        f"clients:\n  - id: portal-a\n    scopes: [recommend]\n    api_keys: ['{key_hash(key)}']\n"
    )
    registry = load(path, None)
    assert registry.by_api_key(key) == Client(id="portal-a", scopes=frozenset({"recommend"}))
    assert registry.by_api_key(other) is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("clients:\n  - id: a\n    scopes: [everything]\n", "clients.0.scopes.0"),
        (
            "clients:\n  - id: a\n    scopes: [recommend]\n    api_keys: [nsk_PASTEDKEYBYMISTAKE]\n",
            "api_keys[0]",
        ),
        (
            "clients:\n  - id: a\n    scopes: [recommend]\n  - id: a\n    scopes: [recommend]\n",
            "registered twice",
        ),
        ("clients:\n  - id: a\n    scopes: [recommend]\n    cds_hooks: {issuer: x}\n", "jwks_url"),
        ("clients:\n  - id: a\n    scopes: []\n", "clients.0.scopes"),
        (
            "clients:\n  - id: a\n    scopes: [recommend]\n"
            "    cds_hooks: {issuer: x, jwks_url: 'http://ehr.example.org/jwks'}\n",
            "must be https",
        ),
        ("clients: [\n", "not valid YAML"),
    ],
)
def test_a_bad_clients_file_is_refused_by_name_without_echoing_values(
    tmp_path: Path, text: str, names: str
) -> None:
    path = tmp_path / "clients.yaml"
    path.write_text(text)
    with pytest.raises(ClientsFileError) as error:
        load(path, None)
    assert str(path) in str(error.value) and names in str(error.value)
    assert "PASTEDKEY" not in str(error.value)


def test_the_dev_key_is_a_client_with_every_scope() -> None:
    registry = load(None, "a-development-key-0123")
    client = registry.by_api_key("a-development-key-0123")
    assert client is not None and client.id == "dev" and client.scopes == ALL_SCOPES
    with pytest.raises(ClientsFileError):
        load(None, "short")
