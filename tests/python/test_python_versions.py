"""The type checkers check for the Python the suite runs under.

scripts/test runs tests/python and tests/usercode on 3.11 (layer 5) and again on 3.12
and 3.13 (layer 6, ``.venv-test-X.Y``); gen_support.PYTHON_VERSION passes the running
interpreter's version to mypy (``--python-version``) and pyright (``pythonVersion``).
This proves the setting reaches both checkers, so a layer-6 run checks the generated and
user code as that version sees it rather than as 3.11 does.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

# isort: split
import gen_support as gs


def test_checkers_target_the_running_python(tmp_path: Path) -> None:
    """mypy (--python-version) and pyright (pythonVersion) check for the interpreter the
    suite runs under, so scripts/test's layer 6 really checks 3.12 and 3.13: of the
    branches on sys.version_info only the running version's is analyzed (the others
    have type errors that must not be reported)."""
    major, minor = sys.version_info[:2]
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            f"""\
            import sys

            if sys.version_info >= ({major}, {minor + 1}):
                newer: int = "newer"
            elif sys.version_info >= ({major}, {minor}):
                reveal_type("{gs.PYTHON_VERSION}")
            else:
                older: int = "older"
            """
        ),
        encoding="utf-8",
    )
    mypy = gs.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            gs.PYTHON_VERSION,
            "--cache-dir",
            gs.MYPY_CACHE_BASE / "python-version-probe",
            "--no-error-summary",
            probe,
        ],
        cwd=tmp_path,
    )
    assert mypy.stdout.splitlines() == [
        f"probe.py:6: note: Revealed type is \"Literal['{gs.PYTHON_VERSION}']?\""
    ], gs.describe(mypy)
    config = tmp_path / "pyrightconfig.json"
    config.write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": gs.PYTHON_VERSION}),
        encoding="utf-8",
    )
    pyright = gs.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--project", config, probe],
        cwd=tmp_path,
    )
    report = json.loads(pyright.stdout)
    found = [
        (d["severity"], d["range"]["start"]["line"] + 1, d["message"])
        for d in report["generalDiagnostics"]
    ]
    assert found == [
        (
            "information",
            6,
            f'Type of ""{gs.PYTHON_VERSION}"" is "Literal[{gs.PYTHON_VERSION!r}]"',
        )
    ], gs.describe(pyright)
