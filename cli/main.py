"""The ``interlog`` command line (contract: command names in shared/DESIGN.md).

Service commands import their implementation lazily, so ``interlog stack status`` stays fast and a
command whose module is not in this build says so instead of failing with a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer

from interlog.exceptions import InterlogError
from interlog.settings import Settings, load_settings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="interlog: user-interaction event ingestion on Apache Kafka and PostgreSQL.",
)
stack_app = typer.Typer(no_args_is_help=True, help="The local stack: Kafka + PostgreSQL + services.")
consume_app = typer.Typer(no_args_is_help=True, help="Run a consumer-group stage.")
keys_app = typer.Typer(no_args_is_help=True, help="Create and revoke API keys.")
app.add_typer(stack_app, name="stack")
app.add_typer(consume_app, name="consume")
app.add_typer(keys_app, name="keys")

# Command -> (module, function) of its implementation; the function takes the Settings first.
ENTRY_POINTS: dict[tuple[str, ...], tuple[str, str]] = {
    ("bridge",): ("producers.bridge.server", "serve"),
    ("consume", "validate"): ("consumers.validate.stage", "run"),
    ("consume", "store"): ("consumers.store.stage", "run"),
    ("simulate",): ("producers.simulate", "run"),
}


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def implemented_commands() -> set[tuple[str, ...]]:
    """The commands whose implementation module is present in this build."""
    return {cmd for cmd, (module, _) in ENTRY_POINTS.items() if _present(module)}


def _entry(command: tuple[str, ...]) -> Callable[..., Any]:
    module, function = ENTRY_POINTS[command]
    if not _present(module):
        raise InterlogError(f"`interlog {' '.join(command)}` is not part of this build ({module} is missing)")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def _settings() -> Settings:
    return load_settings()


def _service(command: tuple[str, ...], name: str) -> None:
    from interlog.logs import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, service=name)
    _entry(command)(settings)


@stack_app.command("up")
def stack_up(
    no_services: Annotated[bool, typer.Option("--no-services", help="Kafka and Postgres only.")] = False,
) -> None:
    """Start (or restart what is not running of) Kafka, PostgreSQL and the services."""
    from cli.stack.local import LocalStack

    started = time.monotonic()
    stack = LocalStack(_settings())
    stack.up(services=not no_services)
    status = stack.status()
    typer.echo(
        f"stack up in {time.monotonic() - started:.1f} s: kafka {status['kafka_bootstrap']}, "
        f"postgres {status['database_url']}, bridge {status['bridge_url']}"
    )


@stack_app.command("down")
def stack_down() -> None:
    """Stop the services, Kafka and PostgreSQL (SIGTERM, then wait)."""
    from cli.stack.local import LocalStack

    LocalStack(_settings()).down()
    typer.echo("stack down")


@stack_app.command("status")
def stack_status(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Where the stack's parts listen and whether they run."""
    from cli.stack.local import LocalStack

    status = LocalStack(_settings()).status()
    if as_json:
        typer.echo(json.dumps(status))
        return
    typer.echo(f"kafka     {status['kafka']['state']:<13} {status['kafka_bootstrap']}")
    typer.echo(f"postgres  {status['postgres']['state']:<13} {status['database_url']}")
    for name, svc in status["services"].items():
        typer.echo(f"{name:<9} {svc['state']:<13} pid={svc['pid']} {svc['metrics_url'] or ''}")


@app.command("migrate")
def migrate_cmd() -> None:
    """Apply the pending database migrations (INTERLOG_DATABASE_URL)."""
    from schemas.migrate import current_version, migrate

    settings = _settings()
    applied = migrate(settings.database_url)
    for m in applied:
        typer.echo(f"applied {m.version:04d}_{m.name}")
    typer.echo(f"database at version {current_version(settings.database_url)}")


class KeyKindOption(StrEnum):
    write = "write"
    read = "read"


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="Tenant id (created if new).")],
    kind: Annotated[KeyKindOption, typer.Option(help="write (ingestion) or read (query API).")],
) -> None:
    """Create an API key; the key alone is printed on the last line (it is not stored)."""
    from interlog.keys import create_key

    try:
        key = create_key(_settings().database_url, tenant, "write" if kind is KeyKindOption.write else "read")
    except ValueError as exc:
        raise InterlogError(str(exc)) from exc
    typer.echo(f"created {kind.value} key for tenant {tenant}; it is shown once:")
    typer.echo(key)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (its prefix).")]) -> None:
    """Revoke a key; the bridge stops accepting it within its cache TTL."""
    from interlog.keys import revoke_key

    if not revoke_key(_settings().database_url, key_id):
        raise InterlogError(f"no live key with id {key_id!r}")
    typer.echo(f"revoked {key_id}")


@app.command("bridge")
def bridge_cmd() -> None:
    """The HTTP-to-Kafka ingestion bridge (INTERLOG_STACK_BRIDGE_PORT)."""
    _service(("bridge",), "bridge")


@consume_app.command("validate")
def consume_validate() -> None:
    """Validate raw events, strip PII, write v1 and the DLQ in Kafka transactions."""
    _service(("consume", "validate"), "validate")


@consume_app.command("store")
def consume_store() -> None:
    """Write v1 events into Postgres with their aggregates, exactly once."""
    _service(("consume", "store"), "store")


@app.command("simulate", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def simulate_cmd(ctx: typer.Context) -> None:
    """Send realistic traffic through the Python SDK and the bridge."""
    _entry(("simulate",))(_settings(), ctx.args)


@app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench_cmd(ctx: typer.Context) -> None:
    """Benchmarks against the physical ceiling in the same run (see `interlog bench --help`)."""
    from benchmarks.runner import main as bench_main

    bench_main(_settings(), ctx.args)


@app.command("demo")
def demo_cmd() -> None:
    """A bounded demo on the local stack that ends with a summary."""
    from cli.demo import run

    run(_settings())


def main() -> None:
    try:
        app()
    except InterlogError as exc:
        typer.echo(f"interlog: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
