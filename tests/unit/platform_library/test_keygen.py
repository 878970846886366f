"""`shouwang keygen`: the secret keys cluster mode needs, written once with owner-only access."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from shouwang.cli import main


def test_keygen_writes_every_identity_secret_readable_by_its_owner_only(tmp_path: Path) -> None:
    keys = tmp_path / "identity.env"
    assert main(["keygen", "--output", str(keys)]) == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in keys.read_text().splitlines())
    assert set(values) == {"IDENTITY_PII_KEY", "IDENTITY_BLIND_INDEX_KEY", "IDENTITY_SIGNING_KEY"}
    assert all(len(base64.b64decode(value)) == 32 for value in values.values())
    assert len(set(values.values())) == 3


def test_keygen_never_overwrites_existing_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "identity.env"
    keys.write_text("IDENTITY_PII_KEY=kept\n")
    assert main(["keygen", "--output", str(keys)]) == 1
    assert keys.read_text() == "IDENTITY_PII_KEY=kept\n"
    assert "never overwritten" in capsys.readouterr().err
