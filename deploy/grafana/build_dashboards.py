"""Writes the Grafana dashboards under deploy/grafana/dashboards/ (run it after changing a panel).

The JSON files are what Grafana provisions (compose mounts them, k8s ships them in a ConfigMap);
this script is their source so every panel is built the same way. deploy/tests checks that the
committed JSON is what this script writes, and tests/integration/test_ops_dashboards.py that every
metric and Elasticsearch field a panel uses exists on the running system.

    .venv/bin/python deploy/grafana/build_dashboards.py
"""

import json
from pathlib import Path

DASHBOARDS_DIR = Path(__file__).parent / "dashboards"
PROMETHEUS = {"type": "prometheus", "uid": "citizeninfo-prometheus"}
STATS_POINTS = {"type": "elasticsearch", "uid": "citizeninfo-stats-service-points"}
STATS_RATINGS = {"type": "elasticsearch", "uid": "citizeninfo-stats-ratings"}
EXPRESSION = {"type": "__expr__", "uid": "__expr__"}
SERVICES_REGEX = "pin-service|nocopy-service|feedback-service|stats-service|card-gateway"


def prometheus_target(expr: str, legend: str = "", ref: str = "A") -> dict:
    return {"datasource": PROMETHEUS, "refId": ref, "expr": expr, "legendFormat": legend or "__auto"}


def count_target(datasource: dict, query: str, ref: str, time_field: str, hide: bool = True) -> dict:
    """An Elasticsearch document count within the panel's time range on `time_field`."""
    return {
        "datasource": datasource,
        "refId": ref,
        "query": query,
        "timeField": time_field,
        "metrics": [{"id": "1", "type": "count"}],
        "bucketAggs": [],
        "hide": hide,
    }


def percent_of(numerator_ref: str, denominator_ref: str, ref: str) -> dict:
    return {
        "datasource": EXPRESSION,
        "refId": ref,
        "type": "math",
        "expression": f"${numerator_ref} / ${denominator_ref} * 100",
    }


class Layout:
    """Places panels left to right in rows of 24 grid units."""

    def __init__(self) -> None:
        self.x = self.y = self.row_height = 0
        self.next_id = 1

    def place(self, width: int, height: int) -> dict:
        if self.x + width > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        position = {"x": self.x, "y": self.y, "w": width, "h": height}
        self.x += width
        self.row_height = max(self.row_height, height)
        return position

    def panel(self, title: str, kind: str, targets: list[dict], *, width=12, height=8, unit="short", **extra) -> dict:
        panel = {
            "id": self.next_id,
            "type": kind,
            "title": title,
            "gridPos": self.place(width, height),
            "datasource": targets[0]["datasource"],
            "targets": targets,
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            **extra,
        }
        self.next_id += 1
        return panel


def dashboard(uid: str, title: str, description: str, panels: list[dict], refresh: str = "30s") -> dict:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["citizeninfo"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": refresh,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


def red_dashboard() -> dict:
    layout = Layout()
    services = f'job=~"{SERVICES_REGEX}"'
    panels = [
        layout.panel(
            "Requests per second, by service",
            "timeseries",
            [prometheus_target(f"sum by (job) (rate(http_requests_total{{{services}}}[5m]))", "{{job}}")],
            unit="reqps",
        ),
        layout.panel(
            "Server errors (5xx) as a share of requests",
            "timeseries",
            [
                prometheus_target(
                    f'sum by (job) (rate(http_requests_total{{{services},status=~"5.."}}[5m]))'
                    f" / sum by (job) (rate(http_requests_total{{{services}}}[5m]))",
                    "{{job}}",
                )
            ],
            unit="percentunit",
        ),
        layout.panel(
            "Latency p95, by service",
            "timeseries",
            [
                prometheus_target(
                    "histogram_quantile(0.95, sum by (job, le) "
                    f"(rate(http_request_duration_seconds_bucket{{{services}}}[5m])))",
                    "{{job}}",
                )
            ],
            unit="s",
        ),
        layout.panel(
            "Latency p50, by service",
            "timeseries",
            [
                prometheus_target(
                    "histogram_quantile(0.5, sum by (job, le) "
                    f"(rate(http_request_duration_seconds_bucket{{{services}}}[5m])))",
                    "{{job}}",
                )
            ],
            unit="s",
        ),
        layout.panel(
            "Slowest endpoints (p95 over 5 min)",
            "table",
            [
                prometheus_target(
                    "topk(10, histogram_quantile(0.95, sum by (job, handler, le) "
                    f"(rate(http_request_duration_seconds_bucket{{{services}}}[5m]))))",
                    "{{job}} {{handler}}",
                )
            ],
            unit="s",
            width=12,
        ),
        layout.panel(
            "Scrape target up (1) or down (0)",
            "stat",
            [prometheus_target('up{job=~"' + SERVICES_REGEX + '|stats-worker"}', "{{job}}")],
            width=12,
        ),
    ]
    return dashboard(
        "citizeninfo-red",
        "CITIZENinfo — services: rate, errors, duration",
        "RED per service from prometheus-fastapi-instrumentator; 5xx must stay at zero.",
        panels,
    )


def streams_dashboard() -> dict:
    layout = Layout()
    panels = [
        layout.panel(
            "Stream worker: consumer lag, by topic",
            "timeseries",
            [prometheus_target("sum by (topic) (citizeninfo_stats_consumer_lag_messages)", "{{topic}}")],
        ),
        layout.panel(
            "Stream worker: events processed per second, by topic",
            "timeseries",
            [prometheus_target("sum by (topic) (rate(citizeninfo_stats_events_processed_total[5m]))", "{{topic}}")],
            unit="ops",
        ),
        layout.panel(
            "Freshness: event time to read model, p50 / p95 / p99",
            "timeseries",
            [
                prometheus_target(
                    f"histogram_quantile({q}, sum by (le) "
                    "(rate(citizeninfo_stats_event_freshness_seconds_bucket[5m])))",
                    f"p{round(q * 100)}",
                    ref,
                )
                for q, ref in ((0.5, "A"), (0.95, "B"), (0.99, "C"))
            ],
            unit="s",
        ),
        layout.panel(
            "Seconds since the worker last wrote a batch",
            "stat",
            [prometheus_target("time() - max(citizeninfo_stats_last_write_timestamp_seconds)", "since last write")],
            unit="s",
            width=6,
        ),
        layout.panel(
            "Partitions assigned to the workers",
            "stat",
            [prometheus_target("sum(citizeninfo_stats_partitions_assigned)", "partitions")],
            width=6,
        ),
        layout.panel(
            "Relay backlog: documents with unpublished events, by service",
            "timeseries",
            [prometheus_target("sum by (service) (citizeninfo_outbox_backlog_documents)", "{{service}}")],
        ),
        layout.panel(
            "Relay: events published per second, by service",
            "timeseries",
            [
                prometheus_target(
                    "sum by (service) (rate(citizeninfo_outbox_published_events_total[5m]))",
                    "{{service}} published",
                    "A",
                ),
                prometheus_target(
                    "sum by (service) (rate(citizeninfo_outbox_publish_failures_total[5m]))", "{{service}} failed", "B"
                ),
            ],
            unit="ops",
        ),
        layout.panel(
            "Catalogue projection: events applied per second, by service",
            "timeseries",
            [prometheus_target("sum by (job) (rate(citizeninfo_catalogue_projection_events_total[5m]))", "{{job}}")],
            unit="ops",
        ),
        layout.panel(
            "Stream worker: malformed events and Elasticsearch write retries",
            "timeseries",
            [
                prometheus_target(
                    "sum by (topic, reason) (increase(citizeninfo_stats_events_malformed_total[15m]))",
                    "malformed {{topic}} {{reason}}",
                    "A",
                ),
                prometheus_target(
                    "sum by (topic) (increase(citizeninfo_stats_write_retries_total[15m]))", "retries {{topic}}", "B"
                ),
            ],
        ),
    ]
    return dashboard(
        "citizeninfo-streams",
        "CITIZENinfo — events: lag, throughput, freshness, relay backlog",
        "Kafka consumer lag and throughput of the Faust worker, freshness against the 5 s promise, outbox relays.",
        panels,
        refresh="10s",
    )


# Service points are current-state documents: their panels count the whole index, whatever the
# dashboard's range (Grafana filters every Elasticsearch query on a time field; every listed point has
# its catalogue event time, and a hundred years holds them all).
WHOLE_INDEX = {"timeFrom": "100y", "hideTimeOverride": True}
POINT_TIME_FIELD = "catalogue_event_time"


def business_dashboard() -> dict:
    layout = Layout()
    listed = "listed:true"
    panels = [
        layout.panel(
            f"{title} (% of listed service points)",
            "stat",
            [
                count_target(STATS_POINTS, f"{listed} AND {condition}", "A", POINT_TIME_FIELD),
                count_target(STATS_POINTS, listed, "B", POINT_TIME_FIELD),
                percent_of("A", "B", "C"),
            ],
            unit="percent",
            width=6,
            height=6,
            **WHOLE_INDEX,
        )
        for title, condition in (
            ("Pinned", "pinned:true"),
            ("Surveyed", "surveyed:true"),
            ("Copy-free", "copy_status:cancelled"),
        )
    ]
    panels.append(
        layout.panel(
            "Listed service points",
            "stat",
            [count_target(STATS_POINTS, listed, "A", POINT_TIME_FIELD, hide=False)],
            width=6,
            height=6,
            **WHOLE_INDEX,
        )
    )
    panels += [
        layout.panel(
            "Ratings per hour (accepted by feedback-service), verified or not",
            "timeseries",
            [
                prometheus_target(
                    "sum by (verified) (increase(citizeninfo_feedback_ratings_accepted_total[1h]))",
                    "verified={{verified}}",
                )
            ],
        ),
        layout.panel(
            "Ratings reflected in stats per hour",
            "timeseries",
            [
                prometheus_target(
                    'sum(increase(citizeninfo_stats_events_processed_total{topic="citizeninfo.ratings.v1"}[1h]))',
                    "ratings in the read model",
                )
            ],
        ),
        layout.panel(
            "Satisfaction: mean score (1-5) of ratings submitted in the time range",
            "timeseries",
            [
                {
                    "datasource": STATS_RATINGS,
                    "refId": "A",
                    "query": "*",
                    "timeField": "submitted_at",
                    "metrics": [{"id": "1", "type": "avg", "field": "score"}],
                    "bucketAggs": [
                        {"id": "2", "type": "date_histogram", "field": "submitted_at", "settings": {"interval": "auto"}}
                    ],
                }
            ],
            width=12,
        ),
        layout.panel(
            "Citizens who say they were asked for a copy (% of ratings in the time range)",
            "stat",
            [
                count_target(STATS_RATINGS, "asked_for_copy:true", "A", "submitted_at"),
                count_target(STATS_RATINGS, "*", "B", "submitted_at"),
                percent_of("A", "B", "C"),
            ],
            unit="percent",
            width=12,
        ),
    ]
    return dashboard(
        "citizeninfo-business",
        "CITIZENinfo — progress and satisfaction",
        "Pinned, surveyed and copy-free shares from the stats read model; ratings from the services' counters.",
        panels,
        refresh="1m",
    )


DASHBOARDS = {
    "citizeninfo-red.json": red_dashboard,
    "citizeninfo-streams.json": streams_dashboard,
    "citizeninfo-business.json": business_dashboard,
}


def render(build) -> str:
    return json.dumps(build(), ensure_ascii=False, indent=2) + "\n"


def main() -> None:
    DASHBOARDS_DIR.mkdir(exist_ok=True)
    for file_name, build in DASHBOARDS.items():
        (DASHBOARDS_DIR / file_name).write_text(render(build))


if __name__ == "__main__":
    main()
