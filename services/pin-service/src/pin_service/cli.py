"""`citizeninfo`: the national administrator's command line — catalogue import and demo data.

Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 some catalogue lines were rejected.
"""

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pin_service.demo.catalogue import DEFAULT_SEED, NATIONAL_POINTS_2018, write_catalogue
from pin_service.demo.gateway import (
    DEFAULT_CHUNK_LINES,
    Gateway,
    GatewayError,
    ImportSummary,
    MissingCredentials,
    default_secrets_file,
    resolve_credentials,
)
from pin_service.demo.pins import plan_pins

app = typer.Typer(help="CITIZENinfo — ระบบข้อมูลจุดให้บริการประชาชน / the national service-point catalogue.")
catalogue_app = typer.Typer(help="บัญชีจุดให้บริการ / The national catalogue.")
demo_app = typer.Typer(help="ข้อมูลสาธิต / Demo data: a realistic country, seeded.")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(demo_app, name="demo")
console = Console()
errors = Console(stderr=True)

KIND_LABELS = {
    "ministry": "กระทรวง / ministries",
    "department": "กรม / departments",
    "service": "งานบริการ / services",
    "service_point": "จุดให้บริการ / service points",
}
EXIT_GATEWAY, EXIT_REJECTED_LINES = 1, 2
SHOWN_ERRORS = 20

Gateway_ = Annotated[str, typer.Option("--gateway", envvar="CITIZENINFO_GATEWAY_URL", help="API gateway / เกตเวย์")]
User = Annotated[str | None, typer.Option("--user", envvar="CITIZENINFO_ADMIN_USER", help="admin user")]
Password = Annotated[str | None, typer.Option("--password", envvar="CITIZENINFO_ADMIN_PASSWORD", help="admin password")]
ChunkLines = Annotated[int, typer.Option(min=1, help="lines a request / บรรทัดต่อคำขอ")]
Points = Annotated[int, typer.Option("--points", min=1, help="number of service points / จำนวนจุดให้บริการ")]
Seed = Annotated[int, typer.Option("--seed", help="random seed / ค่าเริ่มสุ่ม")]
DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080"


def _gateway(url: str, user: str | None, password: str | None) -> Gateway:
    try:
        credentials = resolve_credentials(user, password, secrets_file=default_secrets_file())
    except MissingCredentials as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_GATEWAY) from error
    return Gateway(url, credentials)


def _fail(error: Exception) -> typer.Exit:
    if isinstance(error, GatewayError):
        errors.print(f"[red]เกตเวย์ปฏิเสธคำขอ / The gateway refused: {error}[/red]")
    else:
        errors.print(f"[red]ติดต่อเกตเวย์ไม่ได้ / Cannot reach the gateway: {error}[/red]")
    return typer.Exit(EXIT_GATEWAY)


def _bytes_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _run_import(gateway: Gateway, path: Path, chunk_lines: int) -> ImportSummary:
    started = time.perf_counter()
    with _bytes_progress() as progress:
        task = progress.add_task("นำเข้า / importing", total=path.stat().st_size)

        def on_chunk(index: int, total: int) -> None:
            progress.update(task, description=f"นำเข้า ชุด {index}/{total} / importing chunk {index}/{total}")

        summary = gateway.import_catalogue(
            path, chunk_lines=chunk_lines, on_bytes=lambda n: progress.advance(task, n), on_chunk=on_chunk
        )
    _print_summary(summary, time.perf_counter() - started)
    return summary


def _print_summary(summary: ImportSummary, seconds: float) -> None:
    table = Table(title=f"ผลการนำเข้า / Import result ({seconds:.1f} s, {summary.requests} requests)")
    table.add_column("ประเภท / kind")
    table.add_column("สร้างใหม่ / created", justify="right")
    table.add_column("ปรับปรุง / updated", justify="right")
    for kind, label in KIND_LABELS.items():
        table.add_row(label, f"{summary.created.get(kind, 0):,}", f"{summary.updated.get(kind, 0):,}")
    console.print(table)
    lines = sum(summary.created.values()) + sum(summary.updated.values())
    if seconds > 0 and lines:
        console.print(f"อัตรา / rate: {lines / seconds:,.0f} บรรทัดที่เปลี่ยน/วินาที / changed lines per second")
    if summary.errors:
        console.print(f"[yellow]บรรทัดที่ไม่ผ่าน / rejected lines: {len(summary.errors):,}[/yellow]")
        for error in sorted(summary.errors, key=lambda e: (e["line"] is None, e["line"] or 0))[:SHOWN_ERRORS]:
            console.print(f"  บรรทัด / line {error['line']}: {error.get('detail')}")
    else:
        console.print("[green]ไม่มีบรรทัดที่ผิดพลาด / no rejected lines[/green]")


@catalogue_app.command("import")
def catalogue_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="NDJSON catalogue")],
    gateway: Gateway_ = DEFAULT_GATEWAY_URL,
    user: User = None,
    password: Password = None,
    chunk_lines: ChunkLines = DEFAULT_CHUNK_LINES,
) -> None:
    """นำเข้าบัญชีจุดให้บริการจากไฟล์ NDJSON / Import an NDJSON catalogue through the gateway."""
    client = _gateway(gateway, user, password)
    try:
        summary = _run_import(client, file, chunk_lines)
    except (GatewayError, httpx.HTTPError) as error:
        raise _fail(error) from error
    if summary.errors:
        raise typer.Exit(EXIT_REJECTED_LINES)


@demo_app.command("generate")
def demo_generate(
    points: Points = NATIONAL_POINTS_2018,
    seed: Seed = DEFAULT_SEED,
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="NDJSON file to write")] = Path(
        "catalogue-demo.ndjson"
    ),
) -> None:
    """สร้างบัญชีจุดให้บริการสาธิต / Write a realistic national catalogue (NDJSON), seeded."""
    started = time.perf_counter()
    lines = write_catalogue(out, points, seed)
    console.print(
        f"เขียน {lines:,} บรรทัด ({points:,} จุดให้บริการ) ลง {out} / wrote {lines:,} lines "
        f"({points:,} service points) to {out} in {time.perf_counter() - started:.1f} s"
    )


@demo_app.command("load")
def demo_load(
    points: Points = NATIONAL_POINTS_2018,
    seed: Seed = DEFAULT_SEED,
    pin_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="share of points to pin")] = 0.5,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="pins in flight")] = 12,
    chunk_lines: ChunkLines = DEFAULT_CHUNK_LINES,
    gateway: Gateway_ = DEFAULT_GATEWAY_URL,
    user: User = None,
    password: Password = None,
) -> None:
    """สร้าง นำเข้า และปักหมุดข้อมูลสาธิต / Generate, import and pin the demo catalogue."""
    client = _gateway(gateway, user, password)
    with tempfile.TemporaryDirectory(prefix="citizeninfo-demo-") as folder:
        path = Path(folder) / "catalogue.ndjson"
        demo_generate(points=points, seed=seed, out=path)
        try:
            summary = _run_import(client, path, chunk_lines)
        except (GatewayError, httpx.HTTPError) as error:
            raise _fail(error) from error
        with path.open(encoding="utf-8") as handle:
            service_points = [json.loads(line) for line in handle if '"kind":"service_point"' in line]

    console.print("เตรียมตำแหน่งหมุดใกล้สถานที่จริงของอำเภอ / planning pins near real places of each district ...")
    from pin_service.adapters.geography import thai_geography  # loads GeoNames: only when pinning

    plan = plan_pins(service_points, thai_geography(), seed=seed, share=pin_share)
    # Points this import created cannot have pins yet: when it created all of them, skip the look-ups.
    all_new = summary.created.get("service_point", 0) == len(service_points)
    console.print(
        f"ปักหมุด {len(plan):,} จาก {len(service_points):,} จุด / pinning {len(plan):,} of {len(service_points):,}"
    )
    with Progress(
        TextColumn("ปักหมุด / pinning"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("pins", total=len(plan))
        try:
            outcome = asyncio.run(
                client.pin_all(
                    plan,
                    concurrency=concurrency,
                    check_pinned=not all_new,
                    on_done=lambda _r: progress.advance(task),
                )
            )
        except (GatewayError, httpx.HTTPError) as error:
            raise _fail(error) from error
    counts = outcome.counts
    rate = len(plan) / outcome.seconds if outcome.seconds else 0.0
    console.print(
        f"ปักหมุดใหม่ {counts['pinned']:,} · ปักไว้แล้ว {counts['already_pinned']:,} · "
        f"ไม่พบจุด {counts['missing']:,} · ล้มเหลว {counts['failed']:,} — {outcome.seconds:.1f} s, {rate:,.0f}/s\n"
        f"pinned {counts['pinned']:,} · already pinned {counts['already_pinned']:,} · "
        f"missing {counts['missing']:,} · failed {counts['failed']:,} — {outcome.seconds:.1f} s, {rate:,.0f} points/s"
    )
    for point_id, reason in outcome.failures:
        errors.print(f"  {point_id}: {reason}")
    if counts["failed"] or counts["missing"]:
        raise typer.Exit(EXIT_GATEWAY)
    if summary.errors:
        raise typer.Exit(EXIT_REJECTED_LINES)
