"""``interlog bench`` argument handling (the benchmarks themselves need the real stack)."""

from __future__ import annotations

import pytest

from benchmarks import runner as bench
from interlog.exceptions import InterlogError
from interlog.settings import load_settings


class _NoStack:
    def __init__(self, settings: object) -> None:
        pass

    def up(self, services: bool = True) -> None:
        pass


@pytest.mark.parametrize(("args", "expected"), [
    ([], list(bench.STAGES)),
    (["all"], list(bench.STAGES)),
    (["store", "bridge"], ["store", "bridge"]),
])
def test_stage_selection(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                         args: list[str], expected: list[str]) -> None:
    ran: list[str] = []
    monkeypatch.setattr("cli.stack.local.LocalStack", _NoStack)
    monkeypatch.setattr(bench, "_forget_bench_tenants", lambda url: None)

    def stage(name: str) -> bench.BenchFn:
        def measure(_settings: object, _quick: bool) -> dict[str, float]:
            ran.append(name)
            return {f"{name}_x": 1.0}
        return measure

    monkeypatch.setattr(bench, "_stage", stage)
    bench.main(load_settings({}), [*args, "--json", "--quick"])
    assert ran == expected
    assert capsys.readouterr().out.strip().startswith("{")


def test_unknown_stage_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        bench.main(load_settings({}), ["nope"])


def test_missing_benchmark_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(bench.STAGES, "bridge", "producers.no_such_bench")
    with pytest.raises(InterlogError, match="the bridge benchmark is not part of this build"):
        bench._stage("bridge")
