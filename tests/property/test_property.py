"""Property-based layer: random hostile descriptor sets through the plugin (oracle.py).

``test_random_descriptor_sets`` draws cases (cases.py) with hypothesis: a fixed seed and
PROPERTY_EXAMPLES (default 40) examples, or a random run with PROPERTY_SEED=S. A
failing case is printed in readable form and saved to testdata/regressions/ as
``<hash>.binpb`` (the CodeGeneratorRequest of the first failing parameter) and
``<hash>.json``. ``test_regression`` replays every saved case; those under
``testdata/regressions/pending/`` are defects not fixed yet, replayed as strict xfail.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

# isort: split
import cases as cs
import oracle

REGRESSIONS = oracle.REPO / "testdata" / "regressions"
PENDING = REGRESSIONS / "pending"
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "40"))
SEED = os.environ.get("PROPERTY_SEED")
FIXED_SEED = 20261202


def _settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        derandomize=SEED is None,
        database=None,
        deadline=None,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def describe(report: oracle.Report) -> str:
    return "\n".join(f"[{parameter!r}] {text}" for parameter, text in report.problems)


def save(case: cs.Case, report: oracle.Report) -> Path:
    """Saves the case as a regression: the request with the first failing parameter."""
    parameter = next((p for p, _ in report.problems if p != "*"), case.parameter)
    data = case.request(parameter)
    name = hashlib.sha256(data).hexdigest()[:12]
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    (REGRESSIONS / f"{name}.binpb").write_bytes(data)
    meta = {
        "what": "found by tests/property (describe it, then move it to pending/ if the "
        "generator is not fixed yet)",
        "parameter": parameter,
        "expected": "a clean error, or modules that compile, are ruff-clean, pass mypy "
        "--strict and import (tests/property/oracle.py)",
        "found": [text[:2000] for _, text in report.problems],
        "case": case.describe(),
    }
    (REGRESSIONS / f"{name}.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return REGRESSIONS / f"{name}.binpb"


class Stats:
    examples = 0
    counts: dict[str, int] = {}  # noqa: RUF012


def test_random_descriptor_sets() -> None:
    failures: list[tuple[cs.Case, oracle.Report]] = []
    start = time.monotonic()

    @_settings()
    @given(case=cs.cases())
    def run(case: cs.Case) -> None:
        work = Path(tempfile.mkdtemp(prefix="property-"))
        try:
            report = oracle.check_case(case, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        Stats.examples += 1
        for what, n in report.counts.items():
            Stats.counts[what] = Stats.counts.get(what, 0) + n
        if report.problems:
            failures.append((case, report))
            raise AssertionError(f"{describe(report)}\n\n--- the case ---\n{case.describe()}")

    run = seed(int(SEED))(run) if SEED is not None else seed(FIXED_SEED)(run)
    try:
        run()
    except AssertionError:
        case, report = failures[-1]  # hypothesis replays the shrunk case last
        path = save(case, report)
        pytest.fail(
            f"{describe(report)}\n\n--- the (shrunk) case ---\n{case.describe()}\n\n"
            f"saved as {path.relative_to(oracle.REPO)} (commit it; move it to pending/ "
            "until the generator is fixed)",
            pytrace=False,
        )
    finally:
        elapsed = time.monotonic() - start
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(Stats.counts.items()))
        print(
            f"\nproperty: {Stats.examples} examples in {elapsed:.0f} s "
            f"(seed {SEED or FIXED_SEED}); {counts}"
        )


def _regressions(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.binpb"))


def _replay(path: Path, tmp_path: Path) -> None:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    case = cs.from_request(path.read_bytes())
    assert case.parameter == meta["parameter"], (case.parameter, meta["parameter"])
    report = oracle.check_case(case, tmp_path, [case.parameter])
    assert report.counts.get("plugin runs") == 1, report.counts
    assert not report.problems, f"{meta['what']}\n{describe(report)}\n\n{case.describe()}"


@pytest.mark.parametrize(
    "path",
    [
        *_regressions(REGRESSIONS),
        *(pytest.param(p, marks=pytest.mark.xfail(strict=True)) for p in _regressions(PENDING)),
    ],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_regression(path: Path, tmp_path: Path) -> None:
    """Every saved case passes the oracle; those in pending/ (defects not fixed yet)
    must still fail: strict xfail, so a fix makes them fail until moved up."""
    _replay(path, tmp_path)


def test_regressions_are_complete() -> None:
    """Each saved request has its description, and something is replayed."""
    saved = [*_regressions(REGRESSIONS), *_regressions(PENDING)]
    assert saved, f"no regression cases in {REGRESSIONS}"
    for path in saved:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        assert {"what", "parameter", "expected"} <= set(meta), path
