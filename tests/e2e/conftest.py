"""Fixtures for the end-to-end layer: the generated trees, the servers, and the matrix.

- ``gen`` / ``gen_py``: the google and py trees, imported (see e2e_gen.py).
- ``servers``: every server process the selected tests need, started together once per
  session, polled until each answers a real request, stopped (process group killed) at the
  end of the session, also when tests fail or the run is interrupted.
- ``server``: the server of the test's ``server`` parameter (indirect).
- the matrix: every test's outcome is recorded per (feature, protocol, stream kind, client
  kind, server) and printed as tables by ``pytest_terminal_summary``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pytest

import e2e_gen
import e2e_matrix as mx
import e2e_servers as srv

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator
    from pathlib import Path


def _trees() -> dict[str, Path]:
    return {"google": e2e_gen.google_tree(), "py": e2e_gen.py_tree()}


def _require_tree(root: Path) -> None:
    problem = e2e_gen.check_tree(root)
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def gen() -> e2e_gen.Generated:
    root = e2e_gen.google_tree()
    _require_tree(root)
    loaded = e2e_gen.load(root)
    assert loaded.flavor == "google", f"{root} is not a protobuf=google tree"
    return loaded


@pytest.fixture(scope="session")
def gen_py() -> e2e_gen.Generated:
    root = e2e_gen.py_tree()
    _require_tree(root)
    loaded = e2e_gen.load(root, alias="e2e_py_tree")
    assert loaded.flavor == "py", f"{root} is not a protobuf=py tree"
    return loaded


# ---------------------------------------------------------------------------------------
# Servers


def _needed_servers(items: list[pytest.Item]) -> list[str]:
    names: set[str] = set()
    for item in items:
        params = getattr(item, "callspec", None)
        if params is None or "server" not in params.params:
            continue
        name = params.params["server"]
        names.add(name)
        if item.get_closest_marker("small_server") is not None:
            names.add(f"{name}/small")
    return sorted(names)


_RESULTS = pytest.StashKey[dict[tuple[str, ...], tuple[str, str]]]()
_SERVERS = pytest.StashKey[dict[str, srv.Server]]()


@pytest.fixture(scope="session")
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, srv.Server]]:
    names = _needed_servers(request.session.items)
    trees = _trees()
    for flavor in {srv.SPECS[n].flavor for n in names}:
        _require_tree(trees[flavor])
    log_dir = tmp_path_factory.mktemp("servers")
    started: dict[str, srv.Server] = {}
    request.config.stash[_SERVERS] = started
    try:
        for name in names:
            started[name] = srv.start(srv.SPECS[name], trees, log_dir)
        srv.wait_ready(list(started.values()))
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def server(request: pytest.FixtureRequest, servers: dict[str, srv.Server]) -> srv.Server:
    name = request.param
    found = servers.get(name)
    if found is None:
        pytest.fail(f"server {name} was not started (not collected?)", pytrace=False)
    if found.error:
        pytest.fail(f"{found.error}\n--- {found.log_path} ---\n{found.log_tail()}", pytrace=False)
    return found


@pytest.fixture
def small_server(request: pytest.FixtureRequest, servers: dict[str, srv.Server]) -> srv.Server:
    """The read_max_bytes=SMALL instance of the test's server (mark small_server)."""
    name = f"{request.node.callspec.params['server']}/small"
    found = servers.get(name)
    if found is None or found.error:
        detail = found.error if found else "not started"
        pytest.fail(f"{name}: {detail}", pytrace=False)
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "small_server: the test also uses the read_max_bytes=SMALL instance"
    )
    config.addinivalue_line(
        "markers",
        "failure_signature(*texts): an xfail cell must fail with one of texts in its message",
    )
    config.addinivalue_line(
        "markers",
        "not_applicable(reason): the cell does not exist; deselected and shown as n/a",
    )
    config.stash[_RESULTS] = {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the cells that do not exist, recording them as n/a for the matrix."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("not_applicable")
        cell = _cell(item)
        if marker is None or cell is None:
            kept.append(item)
            continue
        dropped.append(item)
        config.stash[_RESULTS][cell] = ("n/a", str(marker.kwargs["reason"]))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# ---------------------------------------------------------------------------------------
# The matrix


def _cell(item: pytest.Item) -> tuple[str, ...] | None:
    callspec = getattr(item, "callspec", None)
    name = getattr(item, "originalname", item.name)
    if callspec is None or name not in mx.FEATURES:
        return None
    params = callspec.params
    feature = name
    if "case" in params:
        feature = f"{name}:{params['case']}"
    return (
        feature,
        str(params.get("protocol", "-")),
        str(params.get("stream", "-")),
        str(params.get("client", "-")),
        str(params.get("server", "-")),
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    cell = _cell(item)
    if cell is None:
        return
    if report.when == "call" and hasattr(report, "wasxfail"):
        _check_failure_signature(item, call, report)
    results = item.config.stash[_RESULTS]
    state: tuple[str, str] | None = None
    if report.skipped and hasattr(report, "wasxfail"):
        state = ("xfail", report.wasxfail)
    elif report.skipped:
        # Nothing in this suite skips: a skip is a failure of the matrix.
        state = ("FAIL", "skipped")
    elif report.failed:
        state = ("FAIL", "")
        _attach_server_log(item, report)
    elif report.when == "call":
        state = ("ok", "")
    if state is None:
        return
    previous = results.get(cell)
    # A failure in any phase wins; otherwise the call phase decides.
    if previous is None or previous[0] != "FAIL":
        results[cell] = state


def _check_failure_signature(
    item: pytest.Item, call: pytest.CallInfo[Any], report: pytest.TestReport
) -> None:
    """An expected failure counts only if it is the expected one."""
    marker = item.get_closest_marker("failure_signature")
    if marker is None or not marker.args:
        return
    text = str(call.excinfo.value) if call.excinfo else ""
    if not any(signature in text for signature in marker.args):
        report.outcome = "failed"
        report.longrepr = (
            f"expected failure ({report.wasxfail}) did not happen as expected: none of "
            f"{marker.args!r} is in the failure message:\n{text}"
        )
        del report.wasxfail


def _attach_server_log(item: pytest.Item, report: pytest.TestReport) -> None:
    started = item.config.stash.get(_SERVERS, {})
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return
    name = callspec.params.get("server")
    if name in started:
        server = started[name]
        report.sections.append((f"server log: {name} ({server.log_path})", server.log_tail()))


def _feature_title(feature: str) -> str:
    name, _, case = feature.partition(":")
    title = mx.FEATURES[name]
    return f"{title}: {case}" if case else title


def _order(value: str, order: tuple[str, ...]) -> tuple[int, str]:
    return (order.index(value) if value in order else len(order), value)


def _feature_key(feature: str) -> tuple[int, tuple[int, str]]:
    name, _, case = feature.partition(":")
    return (list(mx.FEATURES).index(name), _order(case, mx.BAD_INPUT_CASES))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, {})
    if not results:
        return
    tr = terminalreporter
    tr.section("connect e2e matrix", sep="=")
    tr.write_line(
        "ok = passed; FAIL = failed; xfail[n] = fails as expected (strict xfail, verified "
        "on every run); n/a[n] = combination that does not exist; [n] = reason below."
    )
    footnotes: dict[str, int] = {}
    by_feature: dict[str, dict[tuple[str, ...], tuple[str, str]]] = defaultdict(dict)
    for (feature, *rest), state in results.items():
        by_feature[feature][tuple(rest)] = state
    counts: dict[str, int] = defaultdict(int)
    for feature in sorted(by_feature, key=_feature_key):
        cells = by_feature[feature]
        rows = sorted(
            {(p, s) for p, s, _, _ in cells},
            key=lambda r: (_order(r[0], mx.PROTOCOL_ORDER), _order(r[1], mx.STREAM_ORDER)),
        )
        cols = sorted(
            {(sv, c) for _, _, c, sv in cells},
            key=lambda c: (_order(c[0], mx.SERVER_ORDER), _order(c[1], mx.CLIENT_ORDER)),
        )
        table = [["protocol", "stream"] + [f"{sv}/{c}" for sv, c in cols]]
        for p, s in rows:
            line = [p, s]
            for sv, c in cols:
                found = cells.get((p, s, c, sv))
                if found is None:
                    line.append("")
                    continue
                kind, reason = found
                counts[kind] += 1
                if reason:
                    number = footnotes.setdefault(reason, len(footnotes) + 1)
                    line.append(f"{kind}[{number}]")
                else:
                    line.append(kind)
            table.append(line)
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        tr.write_line("")
        tr.write_line(_feature_title(feature), bold=True)
        for i, line in enumerate(table):
            cells_text = (v.ljust(w) for v, w in zip(line, widths, strict=True))
            tr.write_line(("  " + "  ".join(cells_text)).rstrip())
            if i == 0:
                tr.write_line("  " + "  ".join("-" * w for w in widths))
    tr.write_line("")
    total = ", ".join(f"{counts[k]} {k}" for k in ("ok", "FAIL", "xfail", "n/a") if counts[k])
    tr.write_line(f"cells: {total}")
    if footnotes:
        tr.write_line("")
        for reason, number in footnotes.items():
            tr.write_line(f"[{number}] {reason}")
