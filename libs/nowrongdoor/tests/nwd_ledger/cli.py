"""The ledger's own commands, which `nowrongdoor ledger …` runs."""

from __future__ import annotations

import typer

app = typer.Typer(help="The ledger book.")


@app.command()
def balance() -> None:
    """Print the balance of the book."""
    typer.echo("balance: 0")
