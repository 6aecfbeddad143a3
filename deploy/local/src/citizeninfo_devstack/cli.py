"""`citizeninfo-stack up|down|clean|status|topics` — what `make up` and friends call."""

import typer
from rich.console import Console
from rich.table import Table

from citizeninfo_devstack.stack import Stack
from citizeninfo_devstack.web import ensure_browser

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


@app.command()
def browser() -> None:
    """Install Debian's chromium (and Thai fonts) for the end-to-end tests."""
    console.print(f"chromium: {ensure_browser(console)}")


if __name__ == "__main__":
    app()
