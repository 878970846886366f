"""A service the gateway may be deployed without (comms, training): its routes answer 503 until an
address is given, and use the stub, looked up per call, once there is one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.gateway.clients import Clients, OptionalService
from shouwang.errors import Unavailable


def _clients(**stubs: object) -> Clients:
    return Clients(identity=None, location=None, points=None, tasks=None, channels=[], **stubs)  # type: ignore[arg-type]


def test_an_unconfigured_service_answers_503_naming_it() -> None:
    training = OptionalService(_clients(), "training")
    with pytest.raises(Unavailable) as refused:
        training.ListCohorts(None)
    assert refused.value.http_status == 503
    assert refused.value.detail == "the training service is not configured"


def test_a_configured_service_is_called_through_its_stub() -> None:
    clients = _clients()
    comms = OptionalService(clients, "comms")
    clients.comms = SimpleNamespace(ListGroups=lambda request: ("groups of", request))  # type: ignore[assignment]
    assert comms.ListGroups("me") == ("groups of", "me")
