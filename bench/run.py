"""`make bench`: runs every bench/bench_*.py against the running system, one after another, and writes
bench/results/latest.json (every figure) and bench/results/latest.md (each figure beside its same-run
baseline and the ratio). A benchmark that fails is reported as failed, and the others still run."""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).parent
RESULTS = HERE / "results"
console = Console()


def run_all(timeout_seconds: float = 600) -> dict:
    report: dict = {"measured_at": datetime.now(UTC).isoformat(), "benchmarks": {}}
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        console.rule(f"[bold]{name}")
        started = time.perf_counter()
        try:
            finished = subprocess.run(  # noqa: S603 - our own scripts
                [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout_seconds, check=False
            )
        except subprocess.TimeoutExpired:
            report["benchmarks"][name] = {"status": "failed", "detail": f"timed out after {timeout_seconds:.0f} s"}
            continue
        seconds = round(time.perf_counter() - started, 1)
        lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
        if finished.returncode != 0 or not lines:
            report["benchmarks"][name] = {"status": "failed", "seconds": seconds, "detail": finished.stderr[-1500:]}
            console.print(f"[red]failed[/] after {seconds} s\n{finished.stderr[-1500:]}")
            continue
        report["benchmarks"][name] = {"status": "ok", "seconds": seconds, "result": json.loads(lines[-1])}
        console.print(f"[green]ok[/] in {seconds} s")
    return report


def markdown(report: dict) -> str:
    rows = ["| benchmark | status | seconds | figures |", "|---|---|---|---|"]
    for name, outcome in report["benchmarks"].items():
        figures = json.dumps(outcome.get("result", outcome.get("detail", "")), ensure_ascii=False)
        rows.append(f"| {name} | {outcome['status']} | {outcome.get('seconds', '')} | `{figures[:900]}` |")
    return f"# Benchmarks — {report['measured_at']}\n\n" + "\n".join(rows) + "\n"


def main() -> None:
    report = run_all()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    (RESULTS / "latest.md").write_text(markdown(report))
    console.print(markdown(report))


if __name__ == "__main__":
    main()
