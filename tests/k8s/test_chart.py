"""The Helm chart k8s/shouwang, rendered for three value sets and checked offline: helm lint,
kubeconform against Kubernetes' own schemas (strict), checkov, the values schema, and the
properties the deployment depends on, read from the rendered objects."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.bridge.policy import parse_policy
from services.bridge.settings import BridgeSettings
from services.comms.settings import CommsSettings
from services.gateway.settings import GatewaySettings
from services.identity.settings import IdentitySettings
from services.location.settings import LocationSettings
from services.points.ruleset import load_rules, parse_rules
from services.points.settings import PointsSettings
from services.tasks.handlers import RESPONSE_BUCKETS
from services.tasks.settings import TasksSettings
from services.training.settings import TrainingSettings
from shouwang import config
from tests.k8s import tools
from tests.k8s.tools import (
    COMPONENTS,
    GRPC_COMPONENTS,
    VALUE_SETS,
    by_name,
    component_of,
    components,
    of_kind,
    render,
)
from tests.support.declared_gateway import declared_gateway

pytestmark = pytest.mark.usefixtures("chart_tools")

SETTINGS = {
    "bridge": BridgeSettings,
    "comms": CommsSettings,
    "training": TrainingSettings,
    "gateway": GatewaySettings,
    "identity": IdentitySettings,
    "location": LocationSettings,
    "points": PointsSettings,
    "tasks": TasksSettings,
}
ALL_SETS = sorted(VALUE_SETS)


def containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return deployment["spec"]["template"]["spec"]["containers"]


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}


def labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


# --- helm lint, kubeconform, checkov --------------------------------------------------------


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_helm_lint_is_clean(value_set: str) -> None:
    args = ["lint", str(tools.CHART), "--strict", "--kube-version", tools.KUBE_VERSION]
    result = tools.helm(*args, *VALUE_SETS[value_set])
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_every_object_is_valid_for_kubernetes(value_set: str, tmp_path: Path) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(tools.render_text(value_set))
    result = subprocess.run(
        [
            str(tools.KUBECONFORM),
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            tools.KUBE_VERSION.rsplit(".", 1)[0] + ".0",
            # Kubernetes' own kinds, from kubernetes-validate; then Strimzi's KafkaTopic.
            "-schema-location",
            str(tools.SCHEMAS)
            + "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
            + "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            "-schema-location",
            str(tools.OWN_SCHEMAS) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            str(rendered),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = report["summary"]
    assert summary["invalid"] == 0 and summary["errors"] == 0 and summary["skipped"] == 0
    assert summary["valid"] == len(render(value_set))


def test_kubeconform_refuses_a_misspelt_field(tmp_path: Path) -> None:
    """The strict schemas do catch what the API server's pruning would drop silently."""
    deployment = by_name(render("default"), "Deployment")["sw-shouwang-tasks"]
    containers(deployment)[0]["readOnlyRootFileSystem"] = True  # note the capital S
    rendered = tmp_path / "bad.json"
    rendered.write_text(json.dumps(deployment))
    result = subprocess.run(
        [
            str(tools.KUBECONFORM),
            "-strict",
            "-kubernetes-version",
            "1.31.0",
            "-schema-location",
            str(tools.SCHEMAS)
            + "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
            + "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
            str(rendered),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "readOnlyRootFileSystem" in result.stdout


def test_checkov_finds_nothing_and_every_skip_is_justified(tmp_path: Path) -> None:
    for value_set in ALL_SETS:
        (tmp_path / f"{value_set}.yaml").write_text(tools.render_text(value_set))
    result = subprocess.run(
        [
            str(tools.CHECKOV),
            "--skip-download",
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--directory",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    report = json.loads(result.stdout)
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 400  # it did look at every object
    for skipped in results["skipped_checks"]:
        reason = skipped["check_result"].get("suppress_comment", "")
        assert len(reason) > 40, f"{skipped['check_id']} skipped without a reason"
    assert result.returncode == 0


# --- the values schema ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ("components.tasks.replicas=two", "/components/tasks/replicas"),
        ("components.taks.replicas=2", "taks"),
        ("default.ports.grpc=70000", "/default/ports/grpc"),
        ("image.pullPolicy=Sometimes", "/image/pullPolicy"),
        ("default.autoscaling.enabled=yes", "/default/autoscaling/enabled"),
        ("kafka.bootstrapServers=kafka", "/kafka/bootstrapServers"),
        ("ingress.tsl=secret", "tsl"),
    ],
)
def test_the_values_schema_refuses_a_mistyped_value(override: str, complaint: str) -> None:
    result = tools.helm(*tools.template_args("default"), "--set", override, check=False)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert complaint in result.stderr


# --- what the rendered objects say ----------------------------------------------------------


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_one_deployment_per_component_running_its_service(value_set: str) -> None:
    deployments = of_kind(render(value_set), "Deployment")
    assert sorted(component_of(d) for d in deployments) == sorted(components(value_set))
    for deployment in deployments:
        (container,) = containers(deployment)
        assert container["command"] == ["python", "-m", f"services.{component_of(deployment)}"]


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_every_pod_is_locked_down(value_set: str) -> None:
    for deployment in of_kind(render(value_set), "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 10000
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes["tmp"]
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context.get("privileged", False) is False
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts["/tmp"] == "tmp"
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) >= {"cpu", "memory"}
        sa = deployment["spec"]["template"]["spec"]["serviceAccountName"]
        (account,) = [
            a for a in of_kind(render(value_set), "ServiceAccount") if a["metadata"]["name"] == sa
        ]
        assert account["automountServiceAccountToken"] is False


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_probes_ask_the_services_themselves(value_set: str) -> None:
    for deployment in of_kind(render(value_set), "Deployment"):
        (container,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        env = env_of(container)
        assert int(env["OPS_PORT"]) == ports["ops"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        if component_of(deployment) == "gateway":
            assert int(env["HTTP_PORT"]) == ports["http"]
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
        else:
            # grpc.health.v1 on the serving port, which the service's GrpcServer sets SERVING.
            assert int(env["GRPC_PORT"]) == ports["grpc"]
            assert container["readinessProbe"]["grpc"] == {"port": ports["grpc"]}
            assert container["startupProbe"]["grpc"] == {"port": ports["grpc"]}


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_each_service_reaches_its_pods_ports(value_set: str) -> None:
    objects = render(value_set)
    deployments = by_name(objects, "Deployment")
    for name, service in by_name(objects, "Service").items():
        pod = deployments[name]["spec"]["template"]
        assert labels_match(service["spec"]["selector"], pod["metadata"]["labels"])
        container_ports = {p["name"] for p in pod["spec"]["containers"][0]["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} == container_ports


@pytest.mark.parametrize("value_set", ALL_SETS)
def test_every_process_would_accept_its_environment(value_set: str) -> None:
    """The environment each container gets (values and Secrets alike) passes the service's own
    settings loader: nothing required is missing, nothing is unparsable, and every *_ADDR names
    a Service of the release on its gRPC port."""
    objects = render(value_set)
    services = by_name(objects, "Service")
    secrets = {
        name: {k: base64.b64decode(v).decode() for k, v in s["data"].items()}
        for name, s in by_name(objects, "Secret").items()
    }
    # A Secret the operator brings holds what `shouwang keygen` writes, the MongoDB URI or the
    # bridge's pseudonym key.
    own = {
        "BRIDGE_PSEUDONYM_KEY": base64.b64encode(bytes(32)).decode(),
        "IDENTITY_PII_KEY": "x",
        "IDENTITY_BLIND_INDEX_KEY": "x",
        "IDENTITY_SIGNING_KEY": "x",
        "MONGODB_URI": "mongodb://example:27017/",
    }
    for deployment in of_kind(objects, "Deployment"):
        (container,) = containers(deployment)
        environ = env_of(container)
        for source in container["envFrom"]:
            environ.update(secrets.get(source["secretRef"]["name"], own))
        settings = config.load(SETTINGS[component_of(deployment)], environ)
        assert settings is not None
        for key, value in environ.items():
            if key.endswith("_ADDR"):
                host, port = value.split(":")
                ports = {p["port"] for p in services[host]["spec"]["ports"] if p["name"] == "grpc"}
                assert int(port) in ports, key


def test_the_chart_generates_identity_keys_once_and_keeps_them() -> None:
    (secret,) = [
        s
        for s in of_kind(render("default"), "Secret")
        if s["metadata"]["name"].endswith("-identity")
    ]
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    keys = {
        k: base64.b64decode(base64.b64decode(v))
        for k, v in secret["data"].items()
        if k != "IDENTITY_PII_KEY_ID"
    }
    assert sorted(keys) == ["IDENTITY_BLIND_INDEX_KEY", "IDENTITY_PII_KEY", "IDENTITY_SIGNING_KEY"]
    assert all(len(key) == 32 for key in keys.values())
    assert len(set(keys.values())) == 3


def test_values_keys_and_admin_land_in_the_identity_secret() -> None:
    secrets = by_name(render("minimal"), "Secret")
    data = {
        k: base64.b64decode(v).decode() for k, v in secrets["sw-shouwang-identity"]["data"].items()
    }
    assert data["IDENTITY_PII_KEY"] == "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    assert data["SHOUWANG_ADMIN_PHONE"] == "+8613800000000"
    assert "SHOUWANG_ADMIN_PASSWORD" in data


def test_existing_secrets_are_used_and_not_rendered() -> None:
    objects = render("production")
    assert of_kind(objects, "Secret") == []
    deployments = by_name(objects, "Deployment")
    refs = {
        name: [s["secretRef"]["name"] for s in containers(d)[0]["envFrom"]]
        for name, d in deployments.items()
    }
    assert refs["sw-shouwang-identity"] == [
        "shouwang-mongodb-credentials",
        "shouwang-identity",
        "shouwang-sms",
    ]
    assert refs["sw-shouwang-comms"] == ["shouwang-mongodb-credentials", "shouwang-sms"]
    assert refs["sw-shouwang-tasks"] == ["shouwang-mongodb-credentials"]


def test_only_identity_sees_identity_keys() -> None:
    for deployment in of_kind(render("default"), "Deployment"):
        names = [s["secretRef"]["name"] for s in containers(deployment)[0]["envFrom"]]
        assert ("sw-shouwang-identity" in names) == (component_of(deployment) == "identity")


def test_only_identity_and_comms_share_the_phone_lookup_key() -> None:
    objects = render("default")
    secret = by_name(objects, "Secret")["sw-shouwang-sms"]
    assert len(base64.b64decode(base64.b64decode(secret["data"]["PHONE_LOOKUP_KEY"]))) == 32
    for deployment in of_kind(objects, "Deployment"):
        names = [s["secretRef"]["name"] for s in containers(deployment)[0]["envFrom"]]
        assert ("sw-shouwang-sms" in names) == (component_of(deployment) in {"identity", "comms"})
        if component_of(deployment) == "comms":
            assert "TRAINING_ADDR" in env_of(containers(deployment)[0])


def test_autoscaled_components_and_budgets() -> None:
    objects = render("default")
    hpas = by_name(objects, "HorizontalPodAutoscaler")
    assert sorted(component_of(h) for h in hpas.values()) == ["gateway", "location", "tasks"]
    deployments = by_name(objects, "Deployment")
    for name, deployment in deployments.items():
        # An HPA owns the replica count; a fixed one would fight it on every upgrade.
        assert ("replicas" in deployment["spec"]) == (name not in hpas)
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["minReplicas"] >= 2
    budgets = of_kind(objects, "PodDisruptionBudget")
    assert sorted(component_of(b) for b in budgets) == sorted(COMPONENTS)
    for budget in budgets:
        pod = deployments[budget["metadata"]["name"]]["spec"]["template"]["metadata"]
        assert labels_match(budget["spec"]["selector"]["matchLabels"], pod["labels"])


def test_a_component_can_switch_off_what_default_switches_on() -> None:
    objects = render("minimal")
    assert of_kind(objects, "HorizontalPodAutoscaler") == []
    assert sorted(component_of(b) for b in of_kind(objects, "PodDisruptionBudget")) == sorted(
        set(COMPONENTS) - {"points"}
    )
    assert {d["spec"]["replicas"] for d in of_kind(objects, "Deployment")} == {1}
    assert of_kind(objects, "NetworkPolicy") == [] and of_kind(objects, "Ingress") == []


def test_component_values_override_defaults() -> None:
    deployments = by_name(render("production"), "Deployment")
    gateway = deployments["sw-shouwang-gateway"]
    assert gateway["spec"]["replicas"] == 4
    location_env = env_of(containers(deployments["sw-shouwang-location"])[0])
    assert location_env["TRACK_RETENTION_DAYS"] == "14"
    assert location_env["LOG_LEVEL"] == "WARNING"  # from default.env, kept beside the component's
    image = containers(gateway)[0]["image"]
    assert image.endswith("@sha256:" + "0123456789abcdef" * 4)


# --- network policies -----------------------------------------------------------------------


def pods(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        component_of(d): d["spec"]["template"]["metadata"]["labels"]
        for d in of_kind(objects, "Deployment")
    }


def admitted(objects, source: dict[str, str], target: str, port: int) -> bool:
    """Would a pod labelled `source`, in the release's namespace, reach `target` on `port`?
    Both sides must allow it: the target's ingress and the source's egress, when a policy
    selects it."""
    labels = pods(objects)
    policies = of_kind(objects, "NetworkPolicy")

    def allows(direction: str, pod: dict[str, str], peer: dict[str, str] | None) -> bool:
        selecting = [
            p
            for p in policies
            if labels_match(p["spec"]["podSelector"]["matchLabels"], pod)
            and direction.capitalize() in p["spec"]["policyTypes"]
        ]
        if not selecting:
            return True
        for policy in selecting:
            for rule in policy["spec"].get(direction.lower(), []):
                peers = rule.get("from" if direction == "ingress" else "to", [])
                ports = {p["port"] for p in rule.get("ports", [])}
                if port not in ports:
                    continue
                for entry in peers:
                    if "namespaceSelector" in entry:
                        continue  # another namespace: not a pod of this release
                    if peer is not None and labels_match(entry["podSelector"]["matchLabels"], peer):
                        return True
        return False

    return allows("ingress", labels[target], source) and allows("egress", source, labels[target])


def test_network_policies_deny_by_default_and_admit_the_call_graph() -> None:
    objects = render("default")
    labels = pods(objects)
    (deny,) = [
        p
        for p in of_kind(objects, "NetworkPolicy")
        if p["metadata"]["name"].endswith("default-deny")
    ]
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert deny["spec"]["ingress"] == []
    assert all(
        labels_match(deny["spec"]["podSelector"]["matchLabels"], pod) for pod in labels.values()
    )
    for caller in COMPONENTS:
        for callee in GRPC_COMPONENTS:
            assert admitted(objects, labels[caller], callee, 50051), (caller, callee)
    # Nobody reaches the gateway's HTTP port from inside the release, nor a service's other ports.
    for caller in COMPONENTS:
        assert not admitted(objects, labels[caller], "gateway", 8080)
        for callee in GRPC_COMPONENTS:
            assert not admitted(objects, labels[caller], callee, 9464)
    # A stranger in the namespace reaches nothing.
    stranger = {"app": "debug"}
    for callee in GRPC_COMPONENTS:
        assert not admitted(objects, stranger, callee, 50051)


def test_egress_goes_to_dns_kafka_mongodb_and_the_release_only() -> None:
    objects = render("production")
    policies = of_kind(objects, "NetworkPolicy")
    egress = [rule for p in policies for rule in p["spec"].get("egress", [])]
    ports = sorted({(p["port"], p["protocol"]) for rule in egress for p in rule["ports"]})
    assert ports == [(53, "TCP"), (53, "UDP"), (9093, "TCP"), (27017, "TCP"), (50051, "TCP")]
    for rule in egress:
        assert rule["to"], "an egress rule without peers would allow everywhere"
    kafka = next(r for r in egress if r["ports"][0]["port"] == 9093)["to"][0]
    assert kafka["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "streaming"}
    assert kafka["podSelector"]["matchLabels"] == {"strimzi.io/cluster": "city"}
    gateway = by_name(policies, "NetworkPolicy")["sw-shouwang-gateway"]
    (http_rule,) = [r for r in gateway["spec"]["ingress"] if r["ports"][0]["port"] == 8080]
    assert http_rule["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "ingress"
    }
    assert http_rule["from"][0]["podSelector"]["matchLabels"] == {"app": "edge"}


# --- ingress, topics, rules -----------------------------------------------------------------


def test_the_ingress_keeps_push_streams_open() -> None:
    (ingress,) = of_kind(render("production"), "Ingress")
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) == 7200
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) == 7200
    assert ingress["spec"]["tls"] == [
        {"hosts": ["patrol.city.example.org"], "secretName": "patrol-tls"}
    ]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "sw-shouwang-gateway", "port": {"name": "http"}}


def code_topics() -> set[str]:
    """Every topic of the event catalog (the *_TOPIC constants of shouwang/<domain>/v1/
    event_types.py) and location's internal fix topic."""
    import importlib

    from services.location import live_view

    topics = {live_view.INTERNAL_TOPIC}
    for catalog in sorted((tools.REPO_ROOT / "shouwang").glob("*/v1/event_types.py")):
        module = importlib.import_module(f"shouwang.{catalog.parent.parent.name}.v1.event_types")
        topics.update(
            value
            for name, value in vars(module).items()
            if name.endswith("_TOPIC") and isinstance(value, str)
        )
    return topics


def test_strimzi_topics_cover_every_topic_and_its_dead_letters() -> None:
    from shouwang.bus import dead_letter_topic

    topics = {t["spec"]["topicName"]: t for t in of_kind(render("production"), "KafkaTopic")}
    wanted = code_topics()
    assert len(wanted) >= 10
    # Every topic of the catalog, and its dead letters (the chart may know a topic early).
    assert set(topics) >= wanted | {dead_letter_topic(t) for t in wanted}
    assert all(name.endswith(".dlq") or dead_letter_topic(name) in topics for name in topics)
    for name, topic in topics.items():
        assert topic["metadata"]["namespace"] == "streaming"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "city"
        assert topic["spec"]["replicas"] == 3
        hours = 720 if name.endswith(".dlq") else None
        retention = int(topic["spec"]["config"]["retention.ms"])
        if hours:
            assert retention == hours * 3_600_000
        assert retention >= 6 * 3_600_000
    assert of_kind(render("default"), "KafkaTopic") == []


def test_points_rules_reach_the_points_service_as_a_file() -> None:
    objects = render("production")
    config_map = by_name(objects, "ConfigMap")["sw-shouwang-points-rules"]
    rules = parse_rules(tomllib.loads(config_map["data"]["rules.toml"]), source="configmap")
    assert rules.version == load_rules().version == "v2"  # what the image bundles, too
    points = by_name(objects, "Deployment")["sw-shouwang-points"]
    (container,) = containers(points)
    path = env_of(container)["POINTS_RULES_FILE"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volume = next(
        v for v in points["spec"]["template"]["spec"]["volumes"] if v["name"] == "points-rules"
    )
    item = volume["configMap"]["items"][0]
    assert path == f"{mounts['points-rules']}/{item['path']}"
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]


def test_the_service_monitor_scrapes_every_component() -> None:
    objects = render("production")
    (monitor,) = of_kind(objects, "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    selected = [
        s
        for s in of_kind(objects, "Service")
        if labels_match(monitor["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])
    ]
    assert sorted(component_of(s) for s in selected) == sorted(components("production"))
    for service in selected:
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert of_kind(render("default"), "ServiceMonitor") == []


# Metrics a dashboard may use that the services do not export, with where they come from.
EXTERNAL_METRICS = {"kafka_consumergroup_lag": "Strimzi's Kafka Exporter"}


def exported_metric_names() -> set[str]:
    """Every sample name the Prometheus registry exposes once the modules that define the
    platform's metrics (RPC, HTTP, bus, dispatch) are imported."""
    import importlib

    from prometheus_client import REGISTRY

    for module in (
        "shouwang.bus.metrics",
        "shouwang.http",
        "shouwang.rpc",
        "services.tasks.handlers",
    ):
        importlib.import_module(module)
    names: set[str] = set()
    for metric in REGISTRY.collect():
        names.add(metric.name)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
        names.update(metric.name + suffix for suffix in suffixes.get(metric.type, []))
    return names


def test_the_dashboard_asks_only_for_metrics_that_exist() -> None:
    objects = render("default")
    dashboard = json.loads(
        by_name(objects, "ConfigMap")["sw-shouwang-dashboard"]["data"]["shouwang.json"]
    )
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    titles = {panel["title"] for panel in dashboard["panels"]}
    assert {"Dispatch latency", "1-3-5 shares", "Consumer lag", "HTTP 5xx/s"} <= titles
    exported = exported_metric_names()
    for expr in exprs:
        for name in re.findall(r"\b((?:shouwang|kafka)_[a-z_]+)\b", expr):
            assert name in exported or name in EXTERNAL_METRICS, f"{name} in {expr}"
    # The fix-report panel counts a route the gateway serves, with the method it serves it by.
    app = declared_gateway()
    served = {(m, rule.rule) for rule in app.url_map.iter_rules() for m in rule.methods or ()}
    for method, route in re.findall(r'method="([A-Z]+)", route="([^"]+)"', " ".join(exprs)):
        assert (method, route) in served
    # The 1-3-5 shares read histogram buckets that exist.
    for le in re.findall(r'le="([^"]+)"', " ".join(exprs)):
        assert float(le) in {float(b) for b in RESPONSE_BUCKETS}


def test_every_service_with_a_cluster_entry_point_is_a_component() -> None:
    entry_points = {
        path.parent.name for path in (tools.REPO_ROOT / "services").glob("*/__main__.py")
    }
    assert entry_points == set(COMPONENTS) | {
        name for names in tools.OPTIONAL_COMPONENTS.values() for name in names
    }


# --- the bridge -----------------------------------------------------------------------------


def test_the_bridge_runs_with_its_policy_file_and_its_own_key() -> None:
    objects = render("production")
    config_map = by_name(objects, "ConfigMap")["sw-shouwang-bridge-policy"]
    bridge = by_name(objects, "Deployment")["sw-shouwang-bridge"]
    (container,) = containers(bridge)
    path = Path(env_of(container)["BRIDGE_POLICY_FILE"])
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "bridge-policy"]
    (volume,) = [
        v for v in bridge["spec"]["template"]["spec"]["volumes"] if v["name"] == "bridge-policy"
    ]
    (item,) = volume["configMap"]["items"]
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]
    assert path == Path(mount["mountPath"]) / item["path"]
    # What the pod would read is a policy the bridge accepts at start.
    policy = parse_policy(tomllib.loads(config_map["data"][item["key"]]), source="configmap")
    assert {bureau.name for bureau in policy} == {"traffic-police", "civil-affairs"}
    names = [s["secretRef"]["name"] for s in container["envFrom"]]
    assert "shouwang-bridge-key" in names  # the operator's Secret (values/production.yaml)


def test_the_bridge_key_is_generated_for_the_bridge_alone() -> None:
    policy = tools.REPO_ROOT / "examples" / "bureau-policy.toml"
    result = tools.helm(
        *tools.template_args("default"),
        "--set",
        "components.bridge.enabled=true",
        "--set-file",
        f"bridge.policy={policy}",
    )
    objects = [o for o in yaml.safe_load_all(result.stdout) if o]
    secret = by_name(objects, "Secret")["sw-shouwang-bridge"]
    key = base64.b64decode(base64.b64decode(secret["data"]["BRIDGE_PSEUDONYM_KEY"]))
    assert len(key) == 32
    for deployment in of_kind(objects, "Deployment"):
        names = [s["secretRef"]["name"] for s in containers(deployment)[0]["envFrom"]]
        assert ("sw-shouwang-bridge" in names) == (component_of(deployment) == "bridge")


def test_the_bridge_is_off_by_default_and_refused_without_a_policy() -> None:
    assert "bridge" not in {component_of(d) for d in of_kind(render("default"), "Deployment")}
    result = tools.helm(
        *tools.template_args("default"), "--set", "components.bridge.enabled=true", check=False
    )
    assert result.returncode != 0
    assert "bridge.policy" in result.stderr
