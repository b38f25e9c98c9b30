"""Monitoring: what Prometheus scrapes, the alerts it raises, and the dashboard Grafana shows.

Every expression, in the alerting rules and on the dashboard, is parsed as PromQL and may name
only series that exist: those `nowrongdoor.metrics` declares, and the few that Prometheus,
kube-state-metrics and the kubelet provide. Label values the platform fixes (the namespace, the
deployables, event types, the NATS volumes) must be the ones the manifests and contracts use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import promql_parser
import pytest
from prometheus_client import REGISTRY

from nowrongdoor.contracts.streams import EVENTS_BY_TYPE
from nowrongdoor.metrics import CATALOGUE

from .conftest import DEPLOYABLES, K8S, NAMESPACE, OVERLAYS, ROOT
from .kustomize import Manifest, pod_spec
from .manifests import matches, named, of_kind, pod_labels_of, workloads

OVERLAY = "production"  # the overlay with the monitoring component
DASHBOARD_FILE = K8S / "components" / "monitoring" / "dashboards" / "no-wrong-door.json"
DASHBOARD_CONFIG_MAP = "nowrongdoor-grafana-dashboard"
RUNBOOK = ROOT / "docs" / "operations.md"
METRICS_PATH = "/metrics"
PROBE_PATHS = {"/healthz", "/readyz"}
SEVERITIES = {"critical", "warning"}
ANNOTATIONS = {"summary", "description", "runbook_url"}
ALERTS = {
    "NwdServiceDown",
    "NwdHttpErrors",
    "NwdConsumerLagGrowing",
    "NwdOutboxBacklogGrowing",
    "NwdDeadLetters",
    "NwdDeadlineBreachesSpiking",
    "NwdJetStreamStorageNearlyFull",
    "NwdDeliveriesFailing",
}
# Series from outside the platform: Prometheus' own, kube-state-metrics' and the kubelet's.
EXTERNAL_SERIES = {
    "up",
    "kube_deployment_status_replicas_available",
    "kube_deployment_status_replicas_unavailable",
    "kubelet_volume_stats_used_bytes",
    "kubelet_volume_stats_capacity_bytes",
}
# Grafana's interval variables stand for a duration; any duration parses the same.
GRAFANA_DURATIONS = re.compile(r"\$(?:__(?:rate_interval|interval|range)\b|\{__\w+\})")
# kubectl keeps the last applied object in an annotation, which may not pass 256 KiB.
LAST_APPLIED_LIMIT = 262144


@cache
def scraped_series() -> frozenset[str]:
    """Every series name a scrape shows: histograms appear as their _bucket, _sum and _count."""
    histograms = {family.name for family in REGISTRY.collect() if family.type == "histogram"}
    names: set[str] = set()
    for name in CATALOGUE:
        if name in histograms:
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        else:
            names.add(name)
    return frozenset(names)


def selectors(expression: str) -> list[promql_parser.VectorSelector]:
    found: list[promql_parser.VectorSelector] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expression), pre_visit=visit)
    return found


def selectors_of(query: str) -> list[promql_parser.VectorSelector]:
    """The selectors of a dashboard query, Grafana's interval variables standing as durations."""
    return selectors(GRAFANA_DURATIONS.sub("5m", query))


def series_problems(expression: str) -> list[str]:
    """What is wrong with the series and fixed label values an expression selects."""
    problems = []
    for selector in selectors(expression):
        name = selector.name
        if name is None or (name not in scraped_series() and name not in EXTERNAL_SERIES):
            problems.append(f"no such series: {name} in {expression}")
        for matcher in selector.matchers.matchers:
            if "$" not in matcher.value:  # a dashboard variable, chosen by the viewer
                problems += label_problems(matcher)
    return problems


def label_problems(matcher: promql_parser.Matcher) -> list[str]:
    values = (
        set(matcher.value.split("|")) if matcher.op == promql_parser.MatchOp.Re else {matcher.value}
    )
    if matcher.name == "namespace" and values != {NAMESPACE}:
        return [f"namespace {matcher.value}: the manifests install into {NAMESPACE}"]
    if matcher.name in ("job", "deployment") and values != set(DEPLOYABLES):
        return [f"{matcher.name}=~{matcher.value}: the deployables are {sorted(DEPLOYABLES)}"]
    if matcher.name == "type" and not values <= set(EVENTS_BY_TYPE):
        return [f"no event type {sorted(values - set(EVENTS_BY_TYPE))}"]
    if matcher.name == "persistentvolumeclaim":
        nats = named(OVERLAY, "StatefulSet", "nats")
        claims = [
            f"{template['metadata']['name']}-nats-{server}"
            for template in nats["spec"]["volumeClaimTemplates"]
            for server in range(nats["spec"]["replicas"])
        ]
        if not claims or not all(re.fullmatch(matcher.value, claim) for claim in claims):
            return [f"persistentvolumeclaim=~{matcher.value} misses some of {claims}"]
    return []


# -- scraping ---------------------------------------------------------------------------------


def service_monitor() -> Manifest:
    return named(OVERLAY, "ServiceMonitor", "nowrongdoor")


def container_port(container: Manifest, port: int | str) -> int:
    """A container port's number, from its number or its name."""
    if isinstance(port, int):
        return port
    [number] = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


def scraped_port(overlay: str, deployable: str) -> int:
    """The container port the ServiceMonitor's endpoint reaches through the deployable's Service."""
    [endpoint] = service_monitor()["spec"]["endpoints"]
    service = named(overlay, "Service", deployable)
    [port] = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    spec = pod_spec(named(overlay, "Deployment", deployable))
    assert spec is not None
    return container_port(spec["containers"][0], port["targetPort"])


def test_the_service_monitor_scrapes_metrics_on_the_five_deployables_and_nothing_else() -> None:
    monitor = service_monitor()
    assert "namespaceSelector" not in monitor["spec"]  # its own namespace, wherever that is
    selected = {
        service["metadata"]["name"]
        for service in of_kind(OVERLAY, "Service")
        if matches(monitor["spec"]["selector"], service["metadata"]["labels"])
    }
    assert selected == set(DEPLOYABLES)
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["path"] == METRICS_PATH
    interval = promql_parser.parse_duration(endpoint["interval"])
    assert promql_parser.parse_duration(endpoint["scrapeTimeout"]) < interval


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_are_served_on_the_port_the_probes_use_and_the_annotations_name_it(
    overlay: str,
) -> None:
    for deployable in DEPLOYABLES:
        deployment = named(overlay, "Deployment", deployable)
        spec = pod_spec(deployment)
        assert spec is not None
        [container] = spec["containers"]
        port = scraped_port(overlay, deployable)
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            check = container[probe]["httpGet"]
            assert check["path"] in PROBE_PATHS, f"{deployable} {probe}"
            assert container_port(container, check["port"]) == port, f"{deployable} {probe}"
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == METRICS_PATH


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_monitoring_namespace_may_reach_the_metrics_port(overlay: str) -> None:
    for manifest, _ in workloads(overlay):
        deployable = manifest["metadata"]["name"]
        if manifest["kind"] != "Deployment" or deployable not in DEPLOYABLES:
            continue
        port = scraped_port(overlay, deployable)
        allowed = [
            rule
            for policy in of_kind(overlay, "NetworkPolicy")
            if matches(policy["spec"]["podSelector"], pod_labels_of(manifest))
            for rule in policy["spec"].get("ingress", [])
            if any(
                peer.get("namespaceSelector", {}).get("matchLabels")
                == {"kubernetes.io/metadata.name": "monitoring"}
                for peer in rule.get("from", [])
            )
            and any(p["port"] == port for p in rule.get("ports", []))
        ]
        assert allowed, f"Prometheus cannot reach {deployable} on {port}"


# -- alerts -----------------------------------------------------------------------------------


def rules() -> Iterator[dict[str, Any]]:
    rule_set = named(OVERLAY, "PrometheusRule", "nowrongdoor")
    for group in rule_set["spec"]["groups"]:
        yield from group["rules"]


def test_the_alerts_on_call_relies_on_are_all_there() -> None:
    assert {rule.get("alert") for rule in rules()} == ALERTS


def test_every_alert_has_a_severity_a_summary_a_description_and_its_runbook() -> None:
    for rule in rules():
        alert = rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, alert
        assert set(rule["annotations"]) >= ANNOTATIONS, alert
        assert all(rule["annotations"][name].strip() for name in ANNOTATIONS), alert
        assert rule["annotations"]["runbook_url"] == f"docs/operations.md#alert-{alert.lower()}"
        if "for" in rule:
            assert promql_parser.parse_duration(rule["for"]).total_seconds() > 0, alert


def test_every_rule_is_promql_over_series_that_exist() -> None:
    problems = [problem for rule in rules() for problem in series_problems(rule["expr"])]
    assert not problems, "\n".join(problems)


def test_the_expression_checks_can_fail() -> None:
    with pytest.raises(ValueError, match=r"."):
        promql_parser.parse("sum(rate(nwd_http_requests_total[5m])")
    assert series_problems("rate(nwd_http_request_duration_seconds[5m])")  # a histogram's name
    assert series_problems('nwd_cases{namespace="elsewhere"}')
    assert series_problems('up{job=~"gateway|intake"}')
    assert series_problems('nwd_events_published_total{type="org.nowrongdoor.case.lost.v1"}')
    assert not series_problems('nwd_http_request_duration_seconds_count{job=~"$job"}')


# Units of sizes in nats.conf, and of Kubernetes quantities.
NATS_UNITS = {"": 1, "k": 10**3, "kb": 2**10, "m": 10**6, "mb": 2**20, "g": 10**9, "gb": 2**30}
QUANTITY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def thresholds(expression: str) -> dict[str, float]:
    """The outermost `… > number` of an expression for each source of the series it compares."""
    found: dict[str, float] = {}

    def visit(node: promql_parser.Expr) -> None:
        if (
            isinstance(node, promql_parser.BinaryExpr)
            and str(node.op) == ">"
            and isinstance(node.rhs, promql_parser.NumberLiteral)
        ):
            for selector in selectors(str(node.lhs)):
                if selector.name:
                    found.setdefault(selector.name.split("_")[0], node.rhs.val)

    promql_parser.walk(promql_parser.parse(expression), pre_visit=visit)
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_nats_volume_thresholds_are_the_jetstream_ones_in_proportion(overlay: str) -> None:
    # With no account limit, JetStream's own is max_file_store, which no series shows: the
    # alert watches the volume instead, at the same share of that limit.
    [config_map] = [
        m for m in of_kind(overlay, "ConfigMap") if m["metadata"]["name"].startswith("nats-config")
    ]
    size = re.search(
        r"^\s*max_file_store:\s*(\d+)\s*([a-z]*)$", config_map["data"]["nats.conf"], re.M | re.I
    )
    assert size
    limit = int(size[1]) * NATS_UNITS[size[2].lower()]
    [claim] = named(overlay, "StatefulSet", "nats")["spec"]["volumeClaimTemplates"]
    quantity = re.fullmatch(r"(\d+)([a-zA-Z]*)", claim["spec"]["resources"]["requests"]["storage"])
    assert quantity
    share = limit / (int(quantity[1]) * QUANTITY_UNITS[quantity[2]])
    checked = 0
    for rule in rules():
        found = thresholds(rule["expr"])
        if "kubelet" in found:
            assert found["kubelet"] == pytest.approx(found["nwd"] * share, abs=0.01), rule["expr"]
            checked += 1
    assert checked


def runbook_anchors(text: str) -> set[str]:
    """Anchors of a Markdown page: explicit ids, and GitHub's slugs of its headings."""
    explicit = set(re.findall(r"""(?:id|name)=["']([^"']+)["']|\{#([\w-]+)\}""", text))
    anchors = {anchor for pair in explicit for anchor in pair if anchor}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def test_every_runbook_link_leads_to_a_section_of_the_operations_guide() -> None:
    if not RUNBOOK.exists():
        pytest.skip("docs/operations.md is not in this tree")
    anchors = runbook_anchors(RUNBOOK.read_text())
    for rule in rules():
        page, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert ROOT / page == RUNBOOK and anchor in anchors, rule["annotations"]["runbook_url"]


# -- the dashboard ----------------------------------------------------------------------------


@cache
def dashboard() -> dict[str, Any]:
    config_map = named(OVERLAY, "ConfigMap", DASHBOARD_CONFIG_MAP)
    document: dict[str, Any] = json.loads(config_map["data"][DASHBOARD_FILE.name])
    return document


def panels() -> Iterator[dict[str, Any]]:
    for panel in dashboard()["panels"]:
        yield panel
        yield from panel.get("panels", [])  # inside a collapsed row


def queries() -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target and every variable's query."""
    for panel in panels():
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r} {target['refId']}", target["expr"]
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            # label_values(selector, label) is Grafana's; the selector inside is PromQL.
            inner = re.fullmatch(r"label_values\((.+),\s*\w+\)", query)
            yield f"variable {variable['name']}", inner[1] if inner else query


def test_the_dashboard_ships_whole_in_a_config_map_grafanas_sidecar_picks_up() -> None:
    config_map = named(OVERLAY, "ConfigMap", DASHBOARD_CONFIG_MAP)  # no hash suffix
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["data"] == {DASHBOARD_FILE.name: DASHBOARD_FILE.read_text()}
    assert len(json.dumps(config_map)) < LAST_APPLIED_LIMIT
    assert dashboard()["uid"] and dashboard()["title"]


def test_every_panel_shows_promql_over_series_that_exist() -> None:
    variables = {variable["name"] for variable in dashboard()["templating"]["list"]}
    problems = []
    for where, query in queries():
        used = set(re.findall(r"\$\{?(\w+)", query)) - {"__rate_interval", "__interval", "__range"}
        problems += [f"{where}: no variable {name}" for name in used - variables]
        try:
            problems += series_problems(GRAFANA_DURATIONS.sub("5m", query))
        except ValueError as error:
            problems.append(f"{where}: {error}")
    assert not problems, "\n".join(problems)


def test_every_panel_has_a_query_on_the_chosen_data_source_and_a_place_of_its_own() -> None:
    chosen = {"type": "prometheus", "uid": "${datasource}"}
    taken: set[tuple[int, int]] = set()
    ids = [panel["id"] for panel in panels()]
    assert len(ids) == len(set(ids))
    for panel in panels():
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"] == chosen, panel["title"]
            assert all(target["datasource"] == chosen for target in panel["targets"])
        place = panel["gridPos"]
        cells = {
            (x, y)
            for x in range(place["x"], place["x"] + place["w"])
            for y in range(place["y"], place["y"] + place["h"])
        }
        assert place["x"] + place["w"] <= 24 and not cells & taken, panel["title"]
        taken |= cells


def test_the_dashboard_shows_every_series_the_platform_exports() -> None:
    shown = {selector.name for _, query in queries() for selector in selectors_of(query)}
    assert scraped_series() - shown <= {
        name for name in scraped_series() if name.endswith(("_sum", "_count"))
    }, "not on the dashboard: " + ", ".join(sorted(scraped_series() - shown))
    watched = {
        selector.name
        for rule in rules()
        for selector in selectors(rule["expr"])
        if selector.name in scraped_series()
    }
    assert watched <= shown, "alerted on, not shown: " + ", ".join(sorted(watched - shown))
