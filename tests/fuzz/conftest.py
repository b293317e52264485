"""Fuzz bookkeeping: each fuzz test counts what it ran; the counts are summed in the terminal summary.

Counts travel on the teardown report's ``user_properties`` (``("fuzz", {...})``), so they reach the
summary under pytest-xdist too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

FUZZ_PROPERTY = "fuzz"


@pytest.fixture
def fuzz_counts(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """A counter a fuzz test fills (``cases``, ``operations``, ``server_errors``…), reported at teardown."""
    counts: Counter[str] = Counter()
    yield counts
    request.node.user_properties.append((FUZZ_PROPERTY, {"test": _group(request.node), **counts}))


def _group(node: pytest.Item) -> str:
    return "api" if "test_api_schema" in node.nodeid else "importers"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    totals: dict[str, Counter[str]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == FUZZ_PROPERTY:
                    group = totals.setdefault(value["test"], Counter())
                    group.update({k: v for k, v in value.items() if k != "test"})
    if not totals:
        return
    terminalreporter.section("fuzz summary")
    api = totals.get("api")
    if api:
        terminalreporter.write_line(
            f"API: fuzzed {api['operations']} operations, {api['cases']} cases "
            f"({api['unauthenticated']} unauthenticated), {api['server_errors']} server errors, "
            f"{api['failed_checks']} failed checks"
        )
    importers = totals.get("importers")
    if importers:
        terminalreporter.write_line(
            f"importers: {importers['cases']} inputs, {importers['rejected']} rejected with a report, "
            f"{importers['accepted']} accepted, {importers['crashes']} crashes"
        )
