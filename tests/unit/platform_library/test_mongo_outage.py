"""The cluster store while its server cannot be reached: every operation fails as Unavailable
(503 at the gateway, UNAVAILABLE over gRPC: retry later), never as an internal error."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from shouwang.errors import Unavailable
from shouwang.store import Collection
from shouwang.store.mongo import MongoDocumentStore
from tests.support.servers import free_port


@pytest.fixture
def unreachable() -> Iterator[MongoDocumentStore]:
    # Nothing listens on the port: server selection gives up after 200 ms.
    store = MongoDocumentStore(
        f"mongodb://127.0.0.1:{free_port()}", "outage", server_selection_timeout_ms=200
    )
    yield store
    store.close()


@pytest.mark.parametrize(
    "operation",
    [
        lambda c: c.get("a"),
        lambda c: c.find({"kind": "x"}),
        lambda c: c.insert({"_id": "a"}),
        lambda c: c.insert_many([{"_id": "a"}, {"_id": "b"}]),
        lambda c: c.find_one_and_update({"_id": "a"}, {"$set": {"n": 1}}),
        lambda c: c.update_many({}, {"$set": {"n": 1}}),
        lambda c: c.delete("a"),
        lambda c: c.count(),
        lambda c: c.create_index([("kind", 1)]),
    ],
    ids=[
        "get",
        "find",
        "insert",
        "insert_many",
        "find_one_and_update",
        "update_many",
        "delete",
        "count",
        "create_index",
    ],
)
def test_every_operation_is_unavailable_while_the_server_is_unreachable(
    unreachable: MongoDocumentStore, operation: Callable[[Collection], object]
) -> None:
    with pytest.raises(Unavailable) as refused:
        operation(unreachable.collection("people"))
    assert refused.value.http_status == 503
