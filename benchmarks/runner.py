"""``interlog bench [bridge|validate|store|e2e|all] [--json] [--quick]``.

Each stage is measured against the physical ceiling in the same run (raw librdkafka produce rate,
raw COPY rate) on the running local stack, in fresh topics. Progress goes to stderr; ``--json``
prints one JSON object with every number on stdout.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable

from interlog.exceptions import InterlogError
from interlog.settings import Settings

BenchFn = Callable[[Settings, bool], dict[str, float]]

STAGES: dict[str, str] = {
    "bridge": "benchmarks.bridge",
    "validate": "benchmarks.validate",
    "store": "benchmarks.store",
    "e2e": "benchmarks.e2e",
}


def _stage(name: str) -> BenchFn:
    try:
        module = importlib.import_module(STAGES[name])
    except ModuleNotFoundError as exc:
        raise InterlogError(
            f"the {name} benchmark is not part of this build ({exc.name} is missing)"
        ) from exc
    return module.run  # type: ignore[no-any-return]


def _forget_bench_tenants(database_url: str) -> None:
    """Delete what the benchmarks stored (tenants ``bench*``), so runs do not pile up data."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT c.table_name FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = 'interlog' AND c.column_name = 'tenant_id'"
            " AND t.table_type = 'BASE TABLE' AND c.table_name NOT IN ('tenant', 'api_key')"
            " AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid"
            "                 WHERE k.relname = c.table_name)")]
        for table in [*tables, "api_key", "tenant"]:
            query = sql.SQL("DELETE FROM interlog.{} WHERE tenant_id LIKE %s").format(sql.Identifier(table))
            conn.execute(query, ("bench%",))


def main(settings: Settings, args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="interlog bench", description=__doc__)
    parser.add_argument("stages", nargs="*", metavar="STAGE",
                        help=f"one or more of {', '.join(STAGES)}, all (default: all)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quick", action="store_true", help="smaller runs (about 10-20 s each)")
    opts = parser.parse_args(args)
    unknown = set(opts.stages) - {*STAGES, "all"}
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}, all")
    stages = list(STAGES) if not opts.stages or "all" in opts.stages else opts.stages

    from cli.stack.local import LocalStack

    LocalStack(settings).up(services=False)
    results: dict[str, float] = {}
    try:
        for name in stages:
            print(f"bench {name} ...", file=sys.stderr, flush=True)
            results.update(_stage(name)(settings, opts.quick))
    finally:
        _forget_bench_tenants(settings.database_url)
    if opts.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key:<40} {value:>14,.3f}")
