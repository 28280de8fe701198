"""What the rendered NetworkPolicies mean: their selectors evaluated against the pods they must and
must not match (a schema check cannot see a selector that selects nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Manifests = Callable[[str], dict[tuple[str, str], dict[str, Any]]]


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str]
    namespace_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.namespace_labels.setdefault("kubernetes.io/metadata.name", self.namespace)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics: matchLabels and matchExpressions; {} selects everything."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def peer_matches(peer: dict[str, Any], pod: Pod, own_namespace: str) -> bool:
    """One ``from``/``to`` entry of a rule: namespaceSelector and podSelector together (both must match)."""
    if "ipBlock" in peer:
        return False
    namespace_ok = (
        selects(peer["namespaceSelector"], pod.namespace_labels)
        if "namespaceSelector" in peer
        else pod.namespace == own_namespace
    )
    return namespace_ok and selects(peer.get("podSelector", {}), pod.labels)


def allowed(
    rules: list[dict[str, Any]], direction: str, pod: Pod, port: int | str | tuple[int | str, ...], namespace: str
) -> bool:
    """Whether some rule admits ``pod`` on ``port`` (a number, a port name, or both as a tuple)."""
    names = port if isinstance(port, tuple) else (port,)
    for rule in rules:
        ports = rule.get("ports")
        if ports and not any(p.get("port") in names for p in ports):
            continue
        peers = rule.get(direction)
        if peers is None or any(peer_matches(peer, pod, namespace) for peer in peers):
            return True
    return False


def server_policy(objects: dict[tuple[str, str], dict[str, Any]]) -> tuple[dict[str, Any], Pod]:
    deployment = objects[("Deployment", "mcp-server")]
    namespace = deployment["metadata"]["namespace"]
    server = Pod(namespace, deployment["spec"]["template"]["metadata"]["labels"])
    policies = [doc for (kind, _), doc in objects.items() if kind == "NetworkPolicy"]
    mine = [p for p in policies if p["metadata"]["name"] == "mcp-server"]
    assert len(mine) == 1
    assert selects(mine[0]["spec"]["podSelector"], server.labels), "the policy selects the server pods"
    assert selects(deployment["spec"]["selector"], server.labels), "the Deployment selects its own pods"
    return mine[0]["spec"], server


def test_the_server_may_resolve_names_through_kube_dns_and_only_there(overlay: str, manifests: Manifests) -> None:
    spec, server = server_policy(manifests(overlay))
    kube_dns = Pod("kube-system", {"k8s-app": "kube-dns", "pod-template-hash": "abc"})
    other_system_pod = Pod("kube-system", {"k8s-app": "metrics-server"})
    dns_in_app_namespace = Pod(server.namespace, {"k8s-app": "kube-dns"})
    assert allowed(spec["egress"], "to", kube_dns, 53, server.namespace)
    assert not allowed(spec["egress"], "to", other_system_pod, 53, server.namespace)
    assert not allowed(spec["egress"], "to", dns_in_app_namespace, 53, server.namespace)


def test_the_server_may_reach_redis_and_https_but_not_any_port(overlay: str, manifests: Manifests) -> None:
    objects = manifests(overlay)
    spec, server = server_policy(objects)
    redis = Pod(server.namespace, {"app.kubernetes.io/name": "redis"})
    assert allowed(spec["egress"], "to", redis, 6379, server.namespace)
    assert allowed(spec["egress"], "to", Pod("idp", {}), 443, server.namespace), "the JWKS, over HTTPS"
    assert not allowed(spec["egress"], "to", redis, 5432, server.namespace)


def test_only_the_edge_namespaces_reach_the_server(overlay: str, manifests: Manifests) -> None:
    spec, server = server_policy(manifests(overlay))
    for edge in ("ingress-nginx", "gateway-system"):
        assert allowed(spec["ingress"], "from", Pod(edge, {"app": "controller"}), "http", server.namespace)
    assert not allowed(spec["ingress"], "from", Pod("default", {"app": "curl"}), "http", server.namespace)
    assert not allowed(spec["ingress"], "from", Pod(server.namespace, {"app": "curl"}), "http", server.namespace)


def test_only_the_monitoring_namespace_reaches_the_metrics_port(overlay: str, manifests: Manifests) -> None:
    spec, server = server_policy(manifests(overlay))
    metrics = ("metrics", 9464)
    assert allowed(spec["ingress"], "from", Pod("monitoring", {"app": "prometheus"}), metrics, server.namespace)
    assert not allowed(spec["ingress"], "from", Pod("monitoring", {"app": "prometheus"}), "http", server.namespace)
    assert not allowed(spec["ingress"], "from", Pod("ingress-nginx", {"app": "controller"}), metrics, server.namespace)
    assert not allowed(spec["ingress"], "from", Pod("default", {"app": "curl"}), metrics, server.namespace)


def test_the_server_may_send_traces_to_the_collector_namespace_only(overlay: str, manifests: Manifests) -> None:
    spec, server = server_policy(manifests(overlay))
    collector = Pod("observability", {"app.kubernetes.io/name": "opentelemetry-collector"})
    assert allowed(spec["egress"], "to", collector, 4318, server.namespace)
    assert not allowed(spec["egress"], "to", Pod("default", {"app": "other"}), 4318, server.namespace)


def test_the_in_cluster_redis_admits_the_server_pods(manifests: Manifests) -> None:
    objects = manifests("dev")
    _, server = server_policy(objects)
    redis_policies = [
        doc["spec"]
        for (kind, _), doc in objects.items()
        if kind == "NetworkPolicy"
        and doc["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "redis"
    ]
    assert redis_policies, "the dev overlay's Redis has a policy of its own"
    redis_port = (6379, "redis")
    assert any(allowed(p["ingress"], "from", server, redis_port, server.namespace) for p in redis_policies)
    stranger = Pod(server.namespace, {"app.kubernetes.io/name": "other"})
    assert not any(allowed(p["ingress"], "from", stranger, redis_port, server.namespace) for p in redis_policies)
