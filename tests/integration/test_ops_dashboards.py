"""Every metric a Grafana panel or an alert rule uses is one the running services expose, and every
Elasticsearch index and field the business panels read exists in the live read model."""

import json
import re
from pathlib import Path

import httpx
import pytest
import yaml
from citizeninfo_devstack.programs import PROMETHEUS_PORT, SERVICES, STATS_WORKER_WEB_PORT

from tests import targets

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((REPO / "deploy/grafana/dashboards").glob("*.json"))
RULES = REPO / "deploy/prometheus/rules/citizeninfo-alerts.yml"
DATASOURCES = REPO / "deploy/grafana/provisioning/datasources/citizeninfo.yml"
# Series Prometheus makes itself for every target, not found on any /metrics page.
PROMETHEUS_SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
    "inf", "nan", "le",
}  # fmt: skip
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, label matchers, grouping lists,
    functions and durations removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, is_call = match.group(1), match.group(2)
        if not is_call and name.lower() not in PROMQL_WORDS:
            names.add(name)
    return names


def test_metric_names_are_read_from_expressions():
    expression = (
        'sum by (job, le) (rate(http_request_duration_seconds_bucket{job=~"a|b",status="5.."}[5m])) '
        "/ on (service) time() - max(citizeninfo_stats_last_write_timestamp_seconds) > 0.5"
    )
    assert metric_names(expression) == {
        "http_request_duration_seconds_bucket",
        "citizeninfo_stats_last_write_timestamp_seconds",
    }


def panel_targets() -> list[tuple[str, dict]]:
    return [
        (f"{path.name}: {panel['title']}", target)
        for path in DASHBOARDS
        for panel in json.loads(path.read_text())["panels"]
        for target in panel["targets"]
    ]


def alert_expressions() -> list[tuple[str, str]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [(rule["alert"], rule["expr"]) for group in groups for rule in group["rules"]]


@pytest.fixture(scope="module")
def live_metric_families(stack) -> set[str]:
    """Metric family names (from `# TYPE` lines) on every service's and the worker's /metrics."""
    families: set[str] = set()
    ports = [service.port for service in SERVICES] + [STATS_WORKER_WEB_PORT]
    for port in ports:
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert response.status_code == 200, f":{port}/metrics answered {response.status_code}"
        families |= set(re.findall(r"^# TYPE (\S+) \S+$", response.text, re.M))
    return families


def exposed(name: str, families: set[str]) -> bool:
    if name in families or name in PROMETHEUS_SYNTHETIC:
        return True
    return any(name.endswith(suffix) and name.removesuffix(suffix) in families for suffix in HISTOGRAM_SUFFIXES)


def test_every_metric_a_panel_plots_is_exposed(live_metric_families):
    checked = 0
    for where, target in panel_targets():
        if target["datasource"]["type"] != "prometheus":
            continue
        names = metric_names(target["expr"])
        assert names, f"{where}: no metric in {target['expr']!r}"
        missing = {name for name in names if not exposed(name, live_metric_families)}
        assert not missing, f"{where}: {sorted(missing)} are on no /metrics page"
        checked += 1
    assert checked >= 15


def test_every_metric_an_alert_uses_is_exposed(live_metric_families):
    for alert, expression in alert_expressions():
        missing = {name for name in metric_names(expression) if not exposed(name, live_metric_families)}
        assert not missing, f"{alert}: {sorted(missing)} are on no /metrics page"


def test_every_panel_and_alert_query_runs_on_the_live_prometheus(stack):
    """The native stack's Prometheus scrapes the same jobs; a PromQL error is a 400 here."""
    expressions = [t["expr"] for _, t in panel_targets() if t["datasource"]["type"] == "prometheus"]
    expressions += [expression for _, expression in alert_expressions()]
    for expression in expressions:
        response = httpx.get(
            f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query", params={"query": expression}, timeout=10
        )
        assert response.status_code == 200 and response.json()["status"] == "success", (expression, response.text)


def test_the_request_metrics_carry_the_labels_the_panels_group_by(stack):
    response = httpx.get(
        f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query",
        params={"query": 'count by (job) (http_requests_total{job="pin-service"})'},
        timeout=10,
    )
    assert [sample["metric"]["job"] for sample in response.json()["data"]["result"]] == ["pin-service"]


def test_business_panels_read_indices_and_fields_that_exist(stack):
    sources = {s["uid"]: s for s in yaml.safe_load(DATASOURCES.read_text())["datasources"]}
    checked = 0
    for where, target in panel_targets():
        source = sources.get(target["datasource"]["uid"])
        if source is None or source["type"] != "elasticsearch":
            continue
        index = source["jsonData"]["index"]
        response = httpx.get(f"{targets.elasticsearch_url()}/{index}/_mapping", timeout=10)
        assert response.status_code == 200, f"{where}: index {index} does not exist"
        fields = set(next(iter(response.json().values()))["mappings"]["properties"])
        used = {target["timeField"], source["jsonData"]["timeField"]}
        used |= {metric["field"] for metric in target["metrics"] if "field" in metric}
        used |= {bucket["field"] for bucket in target.get("bucketAggs", [])}
        used |= set(re.findall(r"(\w+):", target["query"]))
        assert used <= fields, f"{where}: {sorted(used - fields)} are not fields of {index}"
        count = httpx.post(
            f"{targets.elasticsearch_url()}/{index}/_count",
            json={"query": {"query_string": {"query": target["query"]}}},
            timeout=10,
        )
        assert count.status_code == 200, f"{where}: {count.text}"
        checked += 1
    assert checked >= 5


def _count(index: str, *clauses: dict) -> int:
    url = f"{targets.elasticsearch_url()}/{index}/_count"
    response = httpx.post(url, json={"query": {"bool": {"filter": list(clauses)}}}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["count"]


def test_current_state_panels_count_every_listed_point_whatever_the_dashboard_range(stack):
    """Grafana filters each Elasticsearch query on its time field over the panel's range; a panel of
    current state (Pinned %, Listed) must still count the whole index."""
    sources = {s["uid"]: s for s in yaml.safe_load(DATASOURCES.read_text())["datasources"]}
    business = json.loads((REPO / "deploy/grafana/dashboards/citizeninfo-business.json").read_text())
    checked = 0
    for panel in business["panels"]:
        targets = [t for t in panel["targets"] if t["datasource"]["uid"] == "citizeninfo-stats-service-points"]
        if not targets:
            continue
        assert panel.get("timeFrom"), f"{panel['title']}: counts current state within the dashboard's range"
        for target in targets:
            index = sources[target["datasource"]["uid"]]["jsonData"]["index"]
            query = {"query_string": {"query": target["query"]}}
            in_range = {"range": {target["timeField"]: {"gte": f"now-{panel['timeFrom']}", "lte": "now"}}}
            whole = _count(index, query)
            assert _count(index, query, in_range) == whole, f"{panel['title']}: its time field leaves points out"
            checked += whole
    assert checked > 0  # the stack holds listed points (every test run imports some)
