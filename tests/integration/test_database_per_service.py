"""``MONGODB_DATABASE_PER_SERVICE``: a service keeps its collections in a database of its own."""

from __future__ import annotations

from pymongo import MongoClient

from tests.support.cluster import ADMIN_PHONE, Cluster, ServiceProcess
from tests.support.servers import free_port, unique_name


def test_a_service_writes_only_to_its_own_database_when_given_one(
    cluster: Cluster, mongodb_uri: str, tmp_path
) -> None:
    shared = unique_name("apart")
    grpc_port, ops_port = free_port(), free_port()
    identity = ServiceProcess(
        "identity",
        {
            **cluster["identity"].env,
            "MONGODB_DATABASE": shared,
            "MONGODB_DATABASE_PER_SERVICE": "true",
            "GRPC_PORT": str(grpc_port),
            "OPS_PORT": str(ops_port),
        },
        tmp_path / "identity.log",
        grpc_port=grpc_port,
        ops_port=ops_port,
    )
    identity.start()
    try:
        identity.wait_ready()  # it seeded the administrator before it reported ready
    finally:
        assert identity.terminate() == 0
    with MongoClient(mongodb_uri) as client:
        try:
            assert identity.database == f"{shared}_identity"
            names = set(client.list_database_names())
            assert f"{shared}_identity" in names and shared not in names
            members = client[f"{shared}_identity"]["members"]
            assert members.count_documents({}) == 1  # the administrator, and no phone in clear
            assert ADMIN_PHONE not in str(members.find_one())
        finally:
            client.drop_database(f"{shared}_identity")
