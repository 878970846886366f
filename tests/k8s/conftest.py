"""The chart tests build their tools first (cached: a no-op when scripts/build-k8s-tools' stamps
match); the install tests share one real API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.k8s import tools
from tests.k8s.apiserver import Etcd, KubeAPIServer, helm_environment


@pytest.fixture(scope="session")
def chart_tools() -> None:
    tools.build_tools("helm", "kubeconform", "schemas", "checkov")


@pytest.fixture(scope="session")
def kube_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeAPIServer]:
    """A real kube-apiserver on etcd, both on free loopback ports, for the whole session."""
    tools.build_tools("helm", "apiserver", "etcd")
    etcd = Etcd(tmp_path_factory.mktemp("etcd"))
    etcd.start()
    server = KubeAPIServer(tmp_path_factory.mktemp("kube-apiserver"), etcd.url)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        etcd.stop()


@pytest.fixture(scope="session")
def helm_env(kube_api: KubeAPIServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("helm")
    return helm_environment(kube_api.write_kubeconfig(home / "kubeconfig"), home)
