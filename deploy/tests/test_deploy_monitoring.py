"""Grafana dashboards and Prometheus alert rules: built from their source, checked with promtool."""

import importlib.util
import json
import shutil
import subprocess

import pytest
import yaml
from deploy_support import GRAFANA_DIR, PROMETHEUS_DIR

RULES = PROMETHEUS_DIR / "rules" / "citizeninfo-alerts.yml"
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
REQUIRED_ALERTS = {
    "CitizeninfoTargetDown",
    "CitizeninfoServiceNotReady",
    "CitizeninfoServerErrorRatio",
    "CitizeninfoRelayBacklogNotDraining",
    "CitizeninfoStatsLagNotDraining",
    "CitizeninfoStatsFreshnessOver5s",
    "CitizeninfoEventsDeadLettered",
}


def promtool() -> str:
    path = shutil.which("promtool") or ("/usr/bin/promtool" if shutil.which("/usr/bin/promtool") else None)
    if path is None:
        pytest.fail("promtool is not installed (Debian package prometheus)")
    return path


def load_dashboard_builder():
    spec = importlib.util.spec_from_file_location("build_dashboards", GRAFANA_DIR / "build_dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def provisioned_datasource_uids() -> set[str]:
    text = (GRAFANA_DIR / "provisioning/datasources/citizeninfo.yml").read_text()
    return {source["uid"] for source in yaml.safe_load(text)["datasources"]}


def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    assert RULE_TESTS, "deploy/prometheus/tests has no rule tests"
    result = subprocess.run([promtool(), "test", "rules", *map(str, RULE_TESTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_cover_backlog_freshness_errors_and_readiness() -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert REQUIRED_ALERTS <= {rule["alert"] for rule in rules}
    for rule in rules:
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
        assert "for" in rule, f"{rule['alert']} fires on a single bad scrape"


def test_dead_lettered_events_raise_an_alert_on_the_metric_the_follower_counts() -> None:
    """Issue 17: a consumer that parks records keeps going, so someone must be told."""
    rules = {rule["alert"]: rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    assert "citizeninfo_events_dead_lettered_total" in rules["CitizeninfoEventsDeadLettered"]["expr"]


def test_every_alert_is_exercised_by_a_rule_test() -> None:
    tested = {
        case["alertname"]
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    rules = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    assert rules <= tested, f"alerts never seen firing in a test: {sorted(rules - tested)}"


def test_committed_dashboards_are_what_the_builder_writes() -> None:
    builder = load_dashboard_builder()
    for file_name, build in builder.DASHBOARDS.items():
        committed = (GRAFANA_DIR / "dashboards" / file_name).read_text()
        assert committed == builder.render(build), f"run deploy/grafana/build_dashboards.py ({file_name} is stale)"
    on_disk = {path.name for path in (GRAFANA_DIR / "dashboards").glob("*.json")}
    assert on_disk == set(builder.DASHBOARDS)


def test_dashboards_cover_red_lag_freshness_backlog_and_kpis() -> None:
    expressions = []
    titles = []
    for path in (GRAFANA_DIR / "dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            titles.append(panel["title"].lower())
            expressions += [target.get("expr") or target.get("query") or "" for target in panel["targets"]]
    text = " ".join(expressions)
    for metric in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "citizeninfo_stats_consumer_lag_messages",
        "citizeninfo_stats_events_processed_total",
        "citizeninfo_stats_event_freshness_seconds_bucket",
        "citizeninfo_outbox_backlog_documents",
        "citizeninfo_feedback_ratings_accepted_total",
    ):
        assert metric in text, f"no panel plots {metric}"
    for kpi in ("pinned", "surveyed", "copy-free", "ratings per hour", "satisfaction"):
        assert any(kpi in title for title in titles), f"no panel shows {kpi}"


def test_every_panel_uses_a_provisioned_data_source() -> None:
    uids = provisioned_datasource_uids() | {"__expr__"}
    for path in (GRAFANA_DIR / "dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text())
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
        for panel in dashboard["panels"]:
            assert panel["targets"], f"{path.name}: {panel['title']} has no query"
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in uids, f"{path.name}: {panel['title']}"


def test_dashboard_provider_points_where_compose_and_k8s_mount_the_dashboards() -> None:
    providers = yaml.safe_load((GRAFANA_DIR / "provisioning/dashboards/citizeninfo.yml").read_text())["providers"]
    assert [p["options"]["path"] for p in providers] == ["/var/lib/grafana/dashboards/citizeninfo"]
