"""Settings come from the environment and fail fast, naming what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from allinone.configdocs import render
from services.identity.settings import IdentitySettings
from shouwang.config import ConfigError, PlatformSettings, load

CLUSTER = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092", "MONGODB_URI": "mongodb://127.0.0.1/"}


def test_settings_are_parsed_into_their_types() -> None:
    settings = load(PlatformSettings, {**CLUSTER, "GRPC_PORT": "6000", "RPC_TIMEOUT_S": "1.5"})
    assert settings.grpc_port == 6000
    assert settings.rpc_timeout_s == 1.5
    assert settings.mongodb_database == "shouwang"


def test_services_share_one_database_unless_each_is_given_its_own() -> None:
    shared = load(PlatformSettings, {**CLUSTER, "MONGODB_DATABASE": "city"})
    assert {shared.database_of(s) for s in ("tasks", "gateway")} == {"city"}
    apart = load(
        PlatformSettings,
        {**CLUSTER, "MONGODB_DATABASE": "city", "MONGODB_DATABASE_PER_SERVICE": "true"},
    )
    assert (apart.database_of("tasks"), apart.database_of("gateway")) == (
        "city_tasks",
        "city_gateway",
    )


def test_every_missing_required_variable_is_named() -> None:
    with pytest.raises(ConfigError) as raised:
        load(IdentitySettings, {"KAFKA_BOOTSTRAP_SERVERS": "k:9092"})
    message = str(raised.value)
    for name in (
        "MONGODB_URI",
        "IDENTITY_PII_KEY",
        "IDENTITY_BLIND_INDEX_KEY",
        "IDENTITY_SIGNING_KEY",
    ):
        assert f"missing required environment variable {name}" in message
    assert "KAFKA_BOOTSTRAP_SERVERS" not in message


def test_unparsable_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="GRPC_PORT is invalid"):
        load(PlatformSettings, {**CLUSTER, "GRPC_PORT": "fifty"})


def test_configuration_doc_matches_the_code() -> None:
    documented = (Path(__file__).parents[3] / "docs" / "configuration.md").read_text()
    assert documented == render(), "docs/configuration.md is stale: run `make docs`"


def test_service_refuses_to_start_without_its_settings(capsys: pytest.CaptureFixture) -> None:
    from shouwang.runtime import settings_or_exit

    with pytest.raises(SystemExit) as exited:
        settings_or_exit(PlatformSettings)
    assert exited.value.code == 2
    assert "KAFKA_BOOTSTRAP_SERVERS" in capsys.readouterr().err
