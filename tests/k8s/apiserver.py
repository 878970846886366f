"""A real Kubernetes API server for the chart tests: Debian's etcd plus kube-apiserver v1.31.14
(built by scripts/build-k8s-tools from tools/k8s/apiserver), on free 127.0.0.1 ports, serving
certificates made in the test's directory, one bearer token in system:masters for helm and for
reading objects back. No controller manager, scheduler or kubelet: objects are stored and
validated, nothing runs."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import secrets
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.k8s import tools
from tests.support.servers import _ServerProcess, free_port


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_certificates(directory: Path) -> dict[str, Path]:
    """A CA, the API server's serving certificate for 127.0.0.1 signed by it, and the key pair
    that signs service-account tokens (which kube-apiserver refuses to start without)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shouwang-test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {
        "ca": directory / "ca.crt",
        "cert": directory / "apiserver.crt",
        "key": directory / "apiserver.key",
        "sa_key": directory / "sa.key",
        "sa_pub": directory / "sa.pub",
    }
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_key(server_key, paths["key"])
    sa_key = ec.generate_private_key(ec.SECP256R1())
    _write_key(sa_key, paths["sa_key"])
    paths["sa_pub"].write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths


class Etcd(_ServerProcess):
    name = "etcd"

    def __init__(self, data_dir: Path, *, start_timeout: float = 30.0) -> None:
        super().__init__(data_dir, start_timeout=start_timeout)
        self.client_port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    def start(self) -> None:
        self.client_port = free_port()
        peer_port = free_port()
        peer = f"http://127.0.0.1:{peer_port}"
        self._spawn(
            [
                str(tools.ETCD),
                "--name=test",
                f"--data-dir={self.data_dir / 'data'}",
                f"--listen-client-urls={self.url}",
                f"--advertise-client-urls={self.url}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=test={peer}",
                "--log-level=warn",
            ]
        )
        self._wait_until(self._healthy)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as reply:
                return json.load(reply).get("health") == "true"
        except (OSError, ValueError):
            return False


class KubeAPIServer(_ServerProcess):
    name = "kube-apiserver"

    def __init__(self, data_dir: Path, etcd_url: str, *, start_timeout: float = 120.0) -> None:
        super().__init__(data_dir, start_timeout=start_timeout)
        self.etcd_url = etcd_url
        self.port = 0
        self.token = secrets.token_urlsafe(24)
        self.paths: dict[str, Path] = {}
        self._context: ssl.SSLContext | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.paths = make_certificates(self.data_dir)
        tokens = self.data_dir / "tokens.csv"
        tokens.write_text(f'{self.token},test-admin,1,"system:masters"\n')
        tokens.chmod(0o600)
        self._context = ssl.create_default_context(cafile=str(self.paths["ca"]))
        self.port = free_port()
        self._spawn(
            [
                str(tools.KUBE_APISERVER),
                f"--etcd-servers={self.etcd_url}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self.port}",
                f"--cert-dir={self.data_dir}",
                f"--tls-cert-file={self.paths['cert']}",
                f"--tls-private-key-file={self.paths['key']}",
                f"--token-auth-file={tokens}",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                f"--service-account-key-file={self.paths['sa_pub']}",
                f"--service-account-signing-key-file={self.paths['sa_key']}",
                "--service-cluster-ip-range=10.96.0.0/16",
                "--profiling=false",
                "--v=0",
            ]
        )
        self._wait_until(self._ready)

    def _ready(self) -> bool:
        try:
            return self.request("GET", "/readyz")[0] == 200
        except OSError:
            return False

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any] | str]:
        """One call to the API as the admin; the status and the decoded reply."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self._context, timeout=10) as reply:
                status, raw = reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read().decode()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw

    def get(self, path: str) -> dict[str, Any]:
        status, reply = self.request("GET", path)
        assert status == 200, f"GET {path}: {status} {reply}"
        assert isinstance(reply, dict)
        return reply

    def write_kubeconfig(self, path: Path) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "test",
                    "cluster": {"server": self.url, "certificate-authority": str(self.paths["ca"])},
                }
            ],
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
            "current-context": "test",
        }
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path


def helm_environment(kubeconfig: Path, home: Path) -> dict[str, str]:
    """helm against this API server, its caches and config in the test's directory."""
    env = dict(os.environ)
    env.update(
        KUBECONFIG=str(kubeconfig),
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_DATA_HOME=str(home / "data"),
    )
    return env


def wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)
