"""``socpilot serve`` and ``socpilot users``: the console and its accounts."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, cast

import typer

from socpilot.cli.app import HomeOption, app, console, err_console
from socpilot.web.security import is_loopback
from socpilot.web.users import Role, UserStore
from socpilot.workspace import resolve_home

users_app = typer.Typer(help="Console accounts (needed to serve beyond this machine).", no_args_is_help=True)
app.add_typer(users_app, name="users")


@app.command()
def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; off-loopback needs console users.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
) -> None:
    """Serve the analyst console and the /api/v1 JSON API."""
    import uvicorn

    from socpilot.web.app import create_app

    path = resolve_home(home)
    store = UserStore(path)
    if not is_loopback(host) and not store.any():
        err_console.print("Refusing to serve beyond this machine without accounts: "
                          "add one with `socpilot users add NAME --role analyst` first.")
        raise typer.Exit(2)
    application = create_app(path, require_auth=True if not is_loopback(host) else None)
    console.print(f"socpilot console on http://{host}:{port}/ (workspace {path})")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    token: Annotated[bool, typer.Option("--token", help="Also print a new API token for this account.")] = False,
    home: HomeOption = None,
) -> None:
    """Add (or reset) a console account; passwords are stored as argon2 hashes."""
    if role not in ("viewer", "analyst", "admin"):
        raise typer.BadParameter("role must be viewer, analyst or admin")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    store = UserStore(resolve_home(home))
    try:
        store.add(name, cast(Role, role), password)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(f"account {name} ({role}) saved")
    if token:
        console.print(store.new_token(name))
