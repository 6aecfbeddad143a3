"""`make bench`: runs every bench/bench_*.py against the running system, one after another, and writes
bench/results/latest.json (every figure), bench/results/latest.md (each figure beside its same-run
baseline and the ratio) and bench/results/latency.png (latency of a few probes sampled all through
the run, while the benchmarks load the system). A benchmark that fails is reported as failed, and
the others still run.

Baselines, measured in the same run: the bare /healthz through the gateway (for HTTP figures), a
plain kafka-python consumer (for the aggregator) and a raw Elasticsearch query (for the progress
table, measured here)."""

import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console

HERE = Path(__file__).parent
RESULTS = HERE / "results"
GATEWAY = "http://127.0.0.1:8080"
ELASTICSEARCH = "http://127.0.0.1:9200"
console = Console()

# Sampled through the whole run, one request each every SAMPLE_INTERVAL_SECONDS.
PROBES = {
    "/healthz (baseline)": "/api/pin/v1/healthz",
    "nearby search": "/api/pin/v1/service-points/nearby?lat=13.7563&lon=100.5018&radius_m=5000&limit=20",
    "progress table": "/api/stats/v1/ministries",
    "overview": "/api/stats/v1/overview",
}
SAMPLE_INTERVAL_SECONDS = 1.0


class LatencySampler(threading.Thread):
    """Probes PROBES in the background; keeps (seconds since start, probe, milliseconds, status)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, str, float, int]] = []
        self.started = time.perf_counter()
        self._stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=GATEWAY, timeout=30) as client:
            while not self._stopping.is_set():
                for name, path in PROBES.items():
                    began = time.perf_counter()
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError:
                        status = 0
                    now = time.perf_counter()
                    self.samples.append((round(began - self.started, 2), name, round((now - began) * 1000, 2), status))
                self._stopping.wait(SAMPLE_INTERVAL_SECONDS)

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=35)


def last_json_object(stdout: str) -> dict:
    """The last top-level JSON object a benchmark printed (one line, or indented over many)."""
    decoder = json.JSONDecoder()
    lines = stdout.splitlines(keepends=True)
    offsets = [sum(len(line) for line in lines[:i]) for i in range(len(lines))]
    for index in reversed(range(len(lines))):
        if lines[index].startswith("{"):
            try:
                value, _ = decoder.raw_decode(stdout[offsets[index] :])
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    raise ValueError("no JSON object in the output")


def run_script(script: Path, timeout_seconds: float) -> dict:
    started = time.perf_counter()
    try:
        finished = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except subprocess.TimeoutExpired:
        return {"status": "failed", "detail": f"timed out after {timeout_seconds:.0f} s"}
    seconds = round(time.perf_counter() - started, 1)
    try:
        result = last_json_object(finished.stdout)
    except ValueError:
        result = None
    if finished.returncode != 0 or result is None:
        detail = (finished.stderr or finished.stdout)[-1500:]
        console.print(f"[red]failed[/] after {seconds} s\n{detail}")
        return {"status": "failed", "seconds": seconds, "detail": detail}
    console.print(f"[green]ok[/] in {seconds} s")
    return {"status": "ok", "seconds": seconds, "result": result}


def percentiles(milliseconds: list[float]) -> dict[str, float]:
    ordered = sorted(milliseconds)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(quantiles[49], 2), "p95_ms": round(quantiles[94], 2), "p99_ms": round(quantiles[98], 2)}


def time_requests(call: Callable[[], httpx.Response], count: int) -> tuple[list[float], int]:
    timings, errors = [], 0
    for _ in range(count):
        began = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - began) * 1000)
        errors += response.status_code >= 400
    return timings, errors


def bench_progress_table(requests: int = 200) -> dict:
    """The officials' progress table (a ministry's departments, and all ministries) through the
    gateway, beside the raw Elasticsearch aggregation it rests on and the bare /healthz."""
    with httpx.Client(base_url=GATEWAY, timeout=30) as gateway, httpx.Client(timeout=30) as elastic:
        ministries = gateway.get("/api/stats/v1/ministries").json()
        rows = ministries.get("rows", ministries.get("items", []))
        ministry_id = max(rows, key=lambda row: row.get("service_points", 0))["ministry_id"]
        raw_query = {
            "size": 0,
            "query": {"term": {"ministry_id": ministry_id}},
            "aggs": {"departments": {"terms": {"field": "department_id", "size": 500}}},
        }
        measured = {
            "healthz": time_requests(lambda: gateway.get("/api/pin/v1/healthz"), requests),
            "raw_elasticsearch": time_requests(
                lambda: elastic.post(f"{ELASTICSEARCH}/citizeninfo-service-points/_search", json=raw_query), requests
            ),
            "departments_table": time_requests(
                lambda: gateway.get(f"/api/stats/v1/ministries/{ministry_id}/departments"), requests
            ),
            "ministries_table": time_requests(lambda: gateway.get("/api/stats/v1/ministries"), requests),
        }
    return {
        "ministry_id": ministry_id,
        "requests_each": requests,
        **{name: {**percentiles(timings), "errors": errors} for name, (timings, errors) in measured.items()},
    }


@dataclass(frozen=True)
class Row:
    figure: str
    value: float | None
    unit: str
    baseline: str
    baseline_value: float | None

    def ratio(self) -> str:
        if not self.value or not self.baseline_value:
            return ""
        return f"{self.value / self.baseline_value:.2f}×"


def dig(data: dict, *keys: str) -> float | None:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if isinstance(data, int | float) else None


def comparison_rows(report: dict) -> list[Row]:
    """Each headline figure beside the baseline measured in the same run."""
    results = {name: outcome.get("result", {}) for name, outcome in report["benchmarks"].items()}
    rows: list[Row] = []
    ratings = results.get("ratings", {})
    for q in ("p50", "p95", "p99"):
        rows.append(
            Row(
                f"ratings intake {q}",
                dig(ratings, "ratings", "latency_ms", q),
                "ms",
                f"/healthz {q}",
                dig(ratings, "healthz", "latency_ms", q),
            )
        )
    rows.append(
        Row(
            "ratings accepted per second",
            dig(ratings, "ratings", "ok_per_second"),
            "/s",
            "/healthz per second",
            dig(ratings, "healthz", "ok_per_second"),
        )
    )
    pin = results.get("pin", {})
    for q in ("p50", "p95", "p99"):
        rows.append(
            Row(
                f"nearby search {q} ({pin.get('points', '?')} points)",
                dig(pin, "nearby", f"{q}_ms"),
                "ms",
                f"/healthz {q}",
                dig(pin, "baseline_healthz", f"{q}_ms"),
            )
        )
    rows.append(
        Row(
            f"catalogue first import, lines per second ({dig(pin, 'first_import', 'lines') or '?'} lines, "
            f"{dig(pin, 'first_import', 'seconds') or '?'} s)",
            dig(pin, "first_import", "lines_per_second"),
            "/s",
            "re-import of the same file (nothing changes)",
            dig(pin, "import", "lines_per_second"),
        )
    )
    freshness = results.get("freshness", {})
    for what, label in (("pin_to_search", "a pin in nearby search"), ("rating_to_stats", "a rating in stats")):
        for q in ("p50", "p95"):
            rows.append(
                Row(
                    f"freshness: {label}, during a {freshness.get('import_lines', '?')}-line import, {q}",
                    dig(freshness, "during_import", what, f"{q}_s"),
                    "s",
                    f"the same, quiet, {q}",
                    dig(freshness, "quiet", what, f"{q}_s"),
                )
            )
    progress = results.get("progress_table", {})
    for table in ("departments_table", "ministries_table"):
        for q in ("p50", "p95"):
            rows.append(
                Row(
                    f"progress table: {table.replace('_', ' ')} {q}",
                    dig(progress, table, f"{q}_ms"),
                    "ms",
                    f"raw Elasticsearch aggregation {q}",
                    dig(progress, "raw_elasticsearch", f"{q}_ms"),
                )
            )
        rows.append(
            Row(
                f"progress table: {table.replace('_', ' ')} p95 vs /healthz",
                dig(progress, table, "p95_ms"),
                "ms",
                "/healthz p95",
                dig(progress, "healthz", "p95_ms"),
            )
        )
    aggregator = results.get("aggregator", {})
    rows.append(
        Row(
            "aggregator events per second",
            dig(aggregator, "aggregator_events_per_second"),
            "/s",
            "plain Kafka consumer per second",
            dig(aggregator, "plain_kafka_python_consumer_events_per_second"),
        )
    )
    rows.append(
        Row(
            "Faust agent doing nothing, events per second",
            dig(aggregator, "faust_agent_doing_nothing_events_per_second"),
            "/s",
            "plain Kafka consumer per second",
            dig(aggregator, "plain_kafka_python_consumer_events_per_second"),
        )
    )
    for lever in aggregator.get("levers", []):
        rows.append(
            Row(
                f"aggregator, Faust lever: {lever['lever']}, events per second",
                lever.get("events_per_second"),
                "/s",
                "plain Kafka consumer per second",
                dig(aggregator, "plain_kafka_python_consumer_events_per_second"),
            )
        )
    for q in ("p50", "p95", "p99"):
        rows.append(
            Row(
                f"end-to-end freshness {q} (rating accepted → in stats)",
                dig(aggregator, "freshness", f"{q}_seconds"),
                "s",
                "the contract's 5 s",
                5.0,
            )
        )
    card = results.get("card_read", {})
    for purpose, label in (("identity_check", "without photo"), ("registration_with_photo", "with photo")):
        rows.append(
            Row(
                f"card insert → read at the counter, {label} (median)",
                dig(card, purpose, "median_seconds"),
                "s",
                "the goal for a read without photo",
                dig(card, "goal_without_photo_median_seconds"),
            )
        )
    return rows


def markdown(report: dict) -> str:
    lines = [
        f"# Benchmarks — {report['measured_at']}",
        "",
        "| figure | value | same-run baseline | baseline value | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in comparison_rows(report):
        value = "n/a" if row.value is None else f"{row.value:g} {row.unit}"
        baseline = "n/a" if row.baseline_value is None else f"{row.baseline_value:g} {row.unit}"
        lines.append(f"| {row.figure} | {value} | {row.baseline} | {baseline} | {row.ratio()} |")
    lines += ["", "| benchmark | status | seconds |", "|---|---|---|"]
    for name, outcome in report["benchmarks"].items():
        status = outcome["status"]
        if status != "ok":
            status += f": `{str(outcome.get('detail', ''))[-200:].strip()}`".replace("\n", " ").replace("|", "/")
        lines.append(f"| {name} | {status} | {outcome.get('seconds', '')} |")
    if report.get("latency_samples"):
        lines += ["", "Latency of the probes over the run: `latency.png`.", ""]
        lines += ["| probe | samples | p50 ms | p95 ms | max ms | errors |", "|---|---|---|---|---|---|"]
        for name in PROBES:
            values = [ms for _, probe, ms, _ in report["latency_samples"] if probe == name]
            errors = sum(1 for _, probe, _, status in report["latency_samples"] if probe == name and status >= 400)
            errors += sum(1 for _, probe, _, status in report["latency_samples"] if probe == name and status == 0)
            if len(values) >= 2:
                summary = percentiles(values)
                lines.append(
                    f"| {name} | {len(values)} | {summary['p50_ms']} | {summary['p95_ms']} "
                    f"| {max(values):g} | {errors} |"
                )
    return "\n".join(lines) + "\n"


def plot(report: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(12, 5))
    for name in PROBES:
        points = [(t, ms) for t, probe, ms, _ in report["latency_samples"] if probe == name]
        if points:
            axes.plot(*zip(*points, strict=True), label=name, linewidth=1)
    for name, span in report.get("spans", {}).items():
        axes.axvspan(span[0], span[1], alpha=0.08)
        axes.text(span[0], axes.get_ylim()[1] * 0.95, name, fontsize=8, rotation=90, va="top")
    axes.set_yscale("log")
    axes.set_xlabel("seconds since the start of make bench")
    axes.set_ylabel("latency through the gateway (ms, log)")
    axes.set_title(f"CITIZENinfo latency over the benchmark run — {report['measured_at']}")
    axes.legend(loc="upper right")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def run_all(timeout_seconds: float = 1200) -> dict:
    report: dict = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "benchmarks": {}, "spans": {}}
    sampler = LatencySampler()
    sampler.start()
    try:
        for script in sorted(HERE.glob("bench_*.py")):
            name = script.stem.removeprefix("bench_")
            console.rule(f"[bold]{name}")
            began = time.perf_counter() - sampler.started
            report["benchmarks"][name] = run_script(script, timeout_seconds)
            report["spans"][name] = [round(began, 1), round(time.perf_counter() - sampler.started, 1)]
        console.rule("[bold]progress_table")
        began = time.perf_counter() - sampler.started
        try:
            started = time.perf_counter()
            result = bench_progress_table()
            report["benchmarks"]["progress_table"] = {
                "status": "ok",
                "seconds": round(time.perf_counter() - started, 1),
                "result": result,
            }
        except (httpx.HTTPError, ValueError, KeyError) as error:
            report["benchmarks"]["progress_table"] = {"status": "failed", "detail": repr(error)}
        report["spans"]["progress_table"] = [round(began, 1), round(time.perf_counter() - sampler.started, 1)]
    finally:
        sampler.stop()
    report["latency_samples"] = sampler.samples
    return report


def main() -> None:
    report = run_all()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (RESULTS / "latest.md").write_text(markdown(report))
    if report["latency_samples"]:
        plot(report, RESULTS / "latency.png")
    console.print(markdown(report))


if __name__ == "__main__":
    main()
