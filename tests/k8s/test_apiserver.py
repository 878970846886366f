"""The chart installed into a real kube-apiserver (tests/k8s/apiserver.py) with helm, and the
objects read back from the API: what the server stores after its own validation and defaulting,
upgrades that keep identity's keys, an uninstall that keeps them too, and what it refuses.
No controllers run there, so no pod starts: the objects are the proof, not running services."""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
from typing import Any

import pytest

from tests.k8s import tools
from tests.k8s.apiserver import KubeAPIServer, wait_for
from tests.k8s.tools import COMPONENTS, GRPC_COMPONENTS, VALUE_SETS

pytestmark = pytest.mark.integration

NAMESPACE = "patrol"
RELEASE = "sw"
# The kinds the chart renders, where the API serves them.
PATHS = {
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "Service": "/api/v1/namespaces/{ns}/services",
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "PodDisruptionBudget": "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
    "HorizontalPodAutoscaler": "/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
    "NetworkPolicy": "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
    "Ingress": "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
    "KafkaTopic": "/apis/kafka.strimzi.io/v1beta2/namespaces/{ns}/kafkatopics",
    "ServiceMonitor": "/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors",
}


def helm(env: dict[str, str], *args: str, check: bool = True):  # type: ignore[no-untyped-def]
    return tools.helm(*args, env=env, check=check)


def stored(api: KubeAPIServer, kind: str, namespace: str, release: str) -> dict[str, Any]:
    """The objects of a release as the API server holds them, by name."""
    path = PATHS[kind].format(ns=namespace)
    reply = api.get(f"{path}?labelSelector=app.kubernetes.io/instance%3D{release}")
    return {item["metadata"]["name"]: item for item in reply.get("items") or []}


def rendered_names(value_set: str, release: str, namespace: str) -> dict[str, set[str]]:
    text = tools.helm(*tools.template_args(value_set, release, namespace)).stdout
    import yaml

    names: dict[str, set[str]] = {}
    for obj in yaml.safe_load_all(text):
        if obj:
            names.setdefault(obj["kind"], set()).add(obj["metadata"]["name"])
    return names


@pytest.fixture(scope="module")
def installed(kube_api: KubeAPIServer, helm_env: dict[str, str]) -> str:
    """The chart with its default values, installed as `sw` into `patrol`; helm's output."""
    result = helm(
        helm_env,
        "install",
        RELEASE,
        str(tools.CHART),
        "--namespace",
        NAMESPACE,
        "--create-namespace",
    )
    return result.stdout


def test_install_stores_every_rendered_object(kube_api: KubeAPIServer, installed: str) -> None:
    assert "STATUS: deployed" in installed
    assert "BACK THEM UP" in installed  # NOTES.txt, about the generated keys
    expected = rendered_names("default", RELEASE, NAMESPACE)
    assert set(expected) <= set(PATHS)
    for kind, names in expected.items():
        assert set(stored(kube_api, kind, NAMESPACE, RELEASE)) == names, kind


def test_deployments_keep_their_lockdown_and_probes(
    kube_api: KubeAPIServer, installed: str
) -> None:
    deployments = stored(kube_api, "Deployment", NAMESPACE, RELEASE)
    assert sorted(deployments) == sorted(f"{RELEASE}-shouwang-{c}" for c in COMPONENTS)
    for name, deployment in deployments.items():
        component = name.rsplit("-", 1)[1]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        (container,) = pod["containers"]
        # The server's defaulting ran (it fills what the chart leaves out) ...
        assert container["terminationMessagePolicy"] == "File"
        # ... and pruned nothing the chart wrote.
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        assert context["allowPrivilegeEscalation"] is False
        if component in GRPC_COMPONENTS:
            assert container["readinessProbe"]["grpc"]["port"] == 50051
            assert container["readinessProbe"]["grpc"]["service"] == ""  # defaulted
        else:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        # No controller manager: the Deployment is stored, no ReplicaSet was ever made.
        assert (deployment.get("status") or {}).get("replicas") is None
    replica_sets = kube_api.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/replicasets")
    assert not replica_sets.get("items")


def test_services_get_cluster_ips_and_accounts_no_tokens(
    kube_api: KubeAPIServer, installed: str
) -> None:
    services = stored(kube_api, "Service", NAMESPACE, RELEASE)
    network = ipaddress.ip_network("10.96.0.0/16")
    for service in services.values():
        assert ipaddress.ip_address(service["spec"]["clusterIP"]) in network
    ports = {p["name"]: p["port"] for p in services[f"{RELEASE}-shouwang-tasks"]["spec"]["ports"]}
    assert ports == {"grpc": 50051, "ops": 9464}
    for account in stored(kube_api, "ServiceAccount", NAMESPACE, RELEASE).values():
        assert account["automountServiceAccountToken"] is False


def test_scaling_and_policies_are_stored(kube_api: KubeAPIServer, installed: str) -> None:
    hpas = stored(kube_api, "HorizontalPodAutoscaler", NAMESPACE, RELEASE)
    assert sorted(hpas) == [f"{RELEASE}-shouwang-{c}" for c in ("gateway", "location", "tasks")]
    target = hpas[f"{RELEASE}-shouwang-gateway"]["spec"]
    assert target["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert (target["minReplicas"], target["maxReplicas"]) == (2, 10)
    policies = stored(kube_api, "NetworkPolicy", NAMESPACE, RELEASE)
    deny = policies[f"{RELEASE}-shouwang-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert deny.get("ingress", []) == []
    (ingress,) = stored(kube_api, "Ingress", NAMESPACE, RELEASE).values()
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert notes["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"


def identity_keys(api: KubeAPIServer) -> dict[str, bytes]:
    secret = api.get(f"/api/v1/namespaces/{NAMESPACE}/secrets/{RELEASE}-shouwang-identity")
    return {
        k: base64.b64decode(base64.b64decode(v))
        for k, v in secret["data"].items()
        if k != "IDENTITY_PII_KEY_ID"
    }


def test_upgrade_keeps_identity_keys_and_uninstall_keeps_the_secret(
    kube_api: KubeAPIServer, helm_env: dict[str, str], installed: str
) -> None:
    before = identity_keys(kube_api)
    assert sorted(before) == [
        "IDENTITY_BLIND_INDEX_KEY",
        "IDENTITY_PII_KEY",
        "IDENTITY_SIGNING_KEY",
    ]
    assert all(len(key) == 32 for key in before.values())
    helm(
        helm_env,
        "upgrade",
        RELEASE,
        str(tools.CHART),
        "--namespace",
        NAMESPACE,
        "--set",
        "default.env.LOG_LEVEL=DEBUG",
    )
    # The chart read the stored keys back (lookup) instead of generating new ones.
    assert identity_keys(kube_api) == before
    tasks = kube_api.get(
        f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{RELEASE}-shouwang-tasks"
    )
    env = {
        e["name"]: e.get("value") for e in tasks["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["LOG_LEVEL"] == "DEBUG"
    assert tasks["metadata"]["generation"] == 2
    history = json.loads(helm(helm_env, "history", RELEASE, "-n", NAMESPACE, "-o", "json").stdout)
    assert [h["revision"] for h in history] == [1, 2]

    helm(helm_env, "uninstall", RELEASE, "--namespace", NAMESPACE)
    wait_for(lambda: not stored(kube_api, "Deployment", NAMESPACE, RELEASE))
    assert stored(kube_api, "Service", NAMESPACE, RELEASE) == {}
    # helm.sh/resource-policy: keep — data sealed under a lost PII key cannot be read again.
    assert identity_keys(kube_api) == before


# CRDs of Strimzi's KafkaTopic and the Prometheus Operator's ServiceMonitor, so that the
# production values install: the fields this chart writes, transcribed from their CRDs like
# tests/k8s/schemas/.
def custom_resource(group: str, kind: str, version: str, spec: dict[str, Any]) -> dict[str, Any]:
    plural = kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {"type": "object", "properties": spec},
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
CRDS = [
    custom_resource(
        "kafka.strimzi.io",
        "KafkaTopic",
        "v1beta2",
        {
            "topicName": {"type": "string"},
            "partitions": {"type": "integer", "minimum": 1},
            "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
            "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    ),
    custom_resource(
        "monitoring.coreos.com",
        "ServiceMonitor",
        "v1",
        {
            "selector": {"type": "object", "properties": {"matchLabels": LABELS}},
            "namespaceSelector": {
                "type": "object",
                "properties": {"matchNames": {"type": "array", "items": {"type": "string"}}},
            },
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "port": {"type": "string"},
                        "path": {"type": "string"},
                        "interval": {"type": "string"},
                    },
                },
            },
        },
    ),
]


def test_production_values_install_with_strimzi_topics_and_a_service_monitor(
    kube_api: KubeAPIServer, helm_env: dict[str, str]
) -> None:
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    for crd in CRDS:
        status, reply = kube_api.request("POST", crds, crd)
        assert status == 201, reply

    def established() -> bool:
        for crd in CRDS:
            # A CRD just created may come back with "status": {"conditions": null}
            # until the apiserver's controller has looked at it.
            status = kube_api.get(f"{crds}/{crd['metadata']['name']}").get("status") or {}
            if not any(
                c["type"] == "Established" and c["status"] == "True"
                for c in status.get("conditions") or []
            ):
                return False
        return True

    wait_for(established)
    status, reply = kube_api.request(
        "POST",
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "streaming"}},
    )
    assert status == 201, reply
    helm(
        helm_env,
        "install",
        "city",
        str(tools.CHART),
        "--namespace",
        "city",
        "--create-namespace",
        *VALUE_SETS["production"],
    )
    expected = rendered_names("production", "city", "city")
    topics = stored(kube_api, "KafkaTopic", "streaming", "city")
    assert set(topics) == expected.pop("KafkaTopic")
    assert len(topics) == 2 * 12  # each topic and its dead letters
    internal = topics["shouwang-location-internal-v1"]["spec"]
    assert internal["topicName"] == "shouwang.location.internal.v1"
    assert internal["partitions"] == 12
    assert internal["config"]["retention.ms"] == 6 * 3_600_000
    for kind, names in expected.items():
        assert set(stored(kube_api, kind, "city", "city")) == names, kind
    assert "Secret" not in expected  # the operator's own Secrets, never the chart's
    (monitor,) = stored(kube_api, "ServiceMonitor", "city", "city").values()
    assert monitor["spec"]["endpoints"] == [{"port": "ops", "path": "/metrics", "interval": "30s"}]
    gateway = kube_api.get("/apis/apps/v1/namespaces/city/deployments/city-shouwang-gateway")
    assert gateway["spec"]["replicas"] == 4


def test_the_api_server_refuses_bad_objects(kube_api: KubeAPIServer, installed: str) -> None:
    import yaml

    text = tools.helm(*tools.template_args("minimal", "bad", NAMESPACE)).stdout
    deployment = next(
        obj
        for obj in yaml.safe_load_all(text)
        if obj and obj["kind"] == "Deployment" and obj["metadata"]["name"] == "bad-shouwang-points"
    )
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"

    negative = copy.deepcopy(deployment)
    negative["spec"]["replicas"] = -1
    status, reply = kube_api.request("POST", path, negative)
    assert status == 422
    assert any(c["field"] == "spec.replicas" for c in reply["details"]["causes"])

    orphan = copy.deepcopy(deployment)  # a selector its own pods do not match
    orphan["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] = "other"
    status, reply = kube_api.request("POST", path, orphan)
    assert status == 422
    assert "`selector` does not match template `labels`" in reply["message"]

    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFileSystem"] = True
    status, reply = kube_api.request("POST", path + "?fieldValidation=Strict", misspelt)
    assert status == 400
    assert (
        'unknown field "spec.template.spec.containers[0].readOnlyRootFileSystem"'
        in reply["message"]
    )

    # The chart's own object goes in as rendered: the refusals above are the changes.
    status, reply = kube_api.request("POST", path + "?fieldValidation=Strict", deployment)
    assert status == 201, reply
