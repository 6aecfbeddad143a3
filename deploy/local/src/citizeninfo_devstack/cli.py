"""`citizeninfo-stack up|down|clean|status|topics` — what `make up` and friends call."""

import subprocess

import typer
from rich.console import Console
from rich.table import Table

from citizeninfo_devstack import compose, images
from citizeninfo_devstack.paths import StackPaths
from citizeninfo_devstack.programs import CLUSTER
from citizeninfo_devstack.stack import Stack
from citizeninfo_devstack.web import ensure_browser, ensure_web_build

app = typer.Typer(help="Run the whole CITIZENinfo system natively on this machine.", no_args_is_help=True)
console = Console()


@app.command()
def up() -> None:
    """Install what is missing, start everything in order, wait until ready (a no-op when up)."""
    try:
        Stack(console=console).up()
    except RuntimeError as error:
        console.print(f"[bold red]make up failed:[/] {error}")
        raise typer.Exit(1) from error


@app.command()
def down() -> None:
    """Stop every process, keeping data."""
    Stack(console=console).down()


@app.command()
def clean() -> None:
    """Stop everything and remove runtime data (downloads stay cached)."""
    Stack(console=console).clean()


@app.command()
def status() -> None:
    """Show each supervised process."""
    states = Stack(console=console).status()
    if not states:
        console.print("CITIZENinfo is not running.")
        raise typer.Exit(3)
    table = Table("process", "state")
    for name, state in sorted(states.items()):
        table.add_row(name, state)
    console.print(table)


@app.command("cluster-up")
def cluster_up() -> None:
    """The replicated topology: 3 Kafka nodes, 3 Elasticsearch nodes, 2 replicas of every service, 2 workers."""
    try:
        Stack(console=console, topology=CLUSTER).up()
    except RuntimeError as error:
        console.print(f"[bold red]make cluster-up failed:[/] {error}")
        raise typer.Exit(1) from error


@app.command("cluster-down")
def cluster_down(
    remove_data: bool = typer.Option(False, "--remove-data", help="also remove .run/cluster (data, logs)"),
) -> None:
    """Stop the replicated topology (its data stays in .run/cluster unless asked)."""
    stack = Stack(console=console, topology=CLUSTER)
    if remove_data:
        stack.clean()
    else:
        stack.down()


@app.command()
def browser() -> None:
    """Install Debian's chromium (and Thai fonts) for the end-to-end tests."""
    console.print(f"chromium: {ensure_browser(console)}")


@app.command("images")
def build_images() -> None:
    """Build every image the compose stack runs, here (no registry); cached, so a rebuild takes seconds."""
    paths = StackPaths.discover()
    try:
        ensure_web_build(paths, console)
        seconds = images.build_images(paths, console)
    except RuntimeError as error:
        console.print(f"[bold red]make images failed:[/] {error}")
        raise typer.Exit(1) from error
    table = Table("image", "seconds")
    for tag, took in seconds.items():
        table.add_row(tag, f"{took:.1f}")
    console.print(table)


@app.command("compose-up")
def compose_up() -> None:
    """Start docker-compose.yml with the images built here; wait until every container is healthy."""
    try:
        compose.up(StackPaths.discover(), console)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        console.print(f"[bold red]make compose-up failed:[/] {error}")
        raise typer.Exit(1) from error


@app.command("compose-down")
def compose_down(
    remove_data: bool = typer.Option(False, "--remove-data", help="also remove the data volumes"),
) -> None:
    """Stop and remove the compose stack's containers (data volumes are kept unless asked)."""
    try:
        compose.down(StackPaths.discover(), console, remove_data=remove_data)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        console.print(f"[bold red]make compose-down failed:[/] {error}")
        raise typer.Exit(1) from error


@app.command("compose-logs")
def compose_logs(tail: int = typer.Option(40, help="lines per container")) -> None:
    """The last lines of each compose container's log."""
    compose.print_logs(StackPaths.discover(), tail)


if __name__ == "__main__":
    app()
