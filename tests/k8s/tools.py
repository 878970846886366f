"""The chart tests' tools, built by scripts/build-k8s-tools under .cache/k8s/, and the chart's
rendering: `helm template` of k8s/shouwang with a named set of values."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "k8s" / "shouwang"
CACHE = REPO_ROOT / ".cache" / "k8s"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-k8s-tools"
HELM = CACHE / "bin" / "helm"
KUBECONFORM = CACHE / "bin" / "kubeconform"
KUBE_APISERVER = CACHE / "bin" / "kube-apiserver"
ETCD = CACHE / "bin" / "etcd"
CHECKOV = CACHE / "checkov" / "bin" / "checkov"
SCHEMAS = CACHE / "schemas"
OWN_SCHEMAS = Path(__file__).parent / "schemas"
VALUES = Path(__file__).parent / "values"
# The Kubernetes version the chart is rendered for: that of the kube-apiserver tools/k8s builds.
KUBE_VERSION = "1.31.14"
COMPONENTS = ("comms", "gateway", "identity", "location", "points", "tasks", "training")
GRPC_COMPONENTS = ("comms", "identity", "location", "points", "tasks", "training")
# Deployed only where a value set switches them on: the production values run the bridge with
# the example bureaus' policy.
OPTIONAL_COMPONENTS: dict[str, tuple[str, ...]] = {"production": ("bridge",)}

# Named value sets: extra `helm template` arguments over the chart's own values.yaml.
VALUE_SETS: dict[str, list[str]] = {
    "default": [],
    "production": [
        "-f",
        str(VALUES / "production.yaml"),
        "--set-file",
        f"pointsRules={REPO_ROOT / 'services' / 'points' / 'rules' / 'v2.toml'}",
        "--set-file",
        f"bridge.policy={REPO_ROOT / 'examples' / 'bureau-policy.toml'}",
    ],
    "minimal": ["-f", str(VALUES / "minimal.yaml")],
}


def components(value_set: str) -> tuple[str, ...]:
    """The components a value set deploys."""
    return tuple(sorted(COMPONENTS + OPTIONAL_COMPONENTS.get(value_set, ())))


def build_tools(*components: str) -> None:
    """Run the build script (a no-op when its stamps match); raise with its output on failure."""
    result = subprocess.run(
        [str(BUILD_SCRIPT), *components], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{BUILD_SCRIPT} {' '.join(components)} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )


def helm(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if env is None:  # helm's caches and config under .cache/k8s/, not in the user's home
        home = CACHE / "helm-home"
        env = dict(os.environ)
        env.update(
            HELM_CACHE_HOME=str(home / "cache"),
            HELM_CONFIG_HOME=str(home / "config"),
            HELM_DATA_HOME=str(home / "data"),
        )
    result = subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, env=env, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def template_args(value_set: str, release: str = "sw", namespace: str = "patrol") -> list[str]:
    return [
        "template",
        release,
        str(CHART),
        "--namespace",
        namespace,
        "--kube-version",
        KUBE_VERSION,
        *VALUE_SETS[value_set],
    ]


@functools.cache
def render_text(value_set: str) -> str:
    return helm(*template_args(value_set)).stdout


def render(value_set: str) -> list[dict[str, Any]]:
    """Every object `helm template` renders for the value set (fresh copies each call)."""
    return [doc for doc in yaml.safe_load_all(render_text(value_set)) if doc]


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def by_name(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in of_kind(objects, kind)}


def component_of(obj: dict[str, Any]) -> str:
    return obj["metadata"]["labels"]["app.kubernetes.io/component"]
