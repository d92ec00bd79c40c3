"""``option deprecated = true`` reaches users (hazards/v1/deprecated.proto):

* at run time: instantiating a deprecated service's client and calling a deprecated
  RPC's client method emit DeprecationWarning; the methods carry ``__deprecated__``
  (PEP 702) and undeprecated ones do not;
* statically: mypy's ``deprecated`` error code flags a user file that instantiates the
  deprecated client or calls the deprecated method, and nothing else in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# isort: split
import gen_support as gs

pytestmark = pytest.mark.usefixtures("require_trees")

MODULE = "hazards.v1.deprecated_connect"

RUNTIME_CHECK = """
import json
import warnings

from hazards.v1.deprecated_connect import (
    MixedServiceClient,
    MixedServiceClientSync,
    OldServiceClient,
)

messages = __import__(sys.argv[2], fromlist=["OldRequest"])
out = {}

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    OldServiceClient("http://localhost:1")
out["instantiate_old"] = [(w.category.__name__, str(w.message)) for w in caught]

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    client = MixedServiceClient("http://localhost:1")
out["instantiate_mixed"] = [(w.category.__name__, str(w.message)) for w in caught]

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    # Async: calling returns a coroutine (closed unawaited, so nothing is sent).
    coroutine = client.legacy_fetch(messages.OldRequest())
    coroutine.close()
out["call_legacy_fetch"] = [(w.category.__name__, str(w.message)) for w in caught]

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    coroutine = client.fetch(messages.OldRequest())
    coroutine.close()
out["call_fetch"] = [(w.category.__name__, str(w.message)) for w in caught]

out["marked"] = {
    f"{cls.__name__}.{name}": getattr(getattr(cls, name), "__deprecated__", None)
    for cls in (MixedServiceClient, MixedServiceClientSync)
    for name in ("legacy_fetch", "legacy_stream", "fetch")
}
print(json.dumps(out))
"""


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_deprecation_warnings_at_run_time(flavor: str) -> None:
    tree = gs.ours(flavor, "default")
    out = gs.run_python_in_tree(
        tree, RUNTIME_CHECK, f"hazards.v1.deprecated{tree.message_suffix}"
    )
    assert isinstance(out, dict)
    assert out["instantiate_old"] == [
        ["DeprecationWarning", "The service hazards.v1.OldService is deprecated."]
    ]
    assert out["instantiate_mixed"] == []
    assert out["call_legacy_fetch"] == [
        [
            "DeprecationWarning",
            "The RPC hazards.v1.MixedService.LegacyFetch is deprecated.",
        ]
    ]
    assert out["call_fetch"] == []
    marked = out["marked"]
    for cls in ("MixedServiceClient", "MixedServiceClientSync"):
        assert marked[f"{cls}.legacy_fetch"] == (
            "The RPC hazards.v1.MixedService.LegacyFetch is deprecated."
        )
        assert marked[f"{cls}.legacy_stream"] == (
            "The RPC hazards.v1.MixedService.LegacyStream is deprecated."
        )
        assert marked[f"{cls}.fetch"] is None


USER_CODE = """\
from hazards.v1.deprecated_connect import MixedServiceClientSync, OldServiceClientSync
from hazards.v1.deprecated{suffix} import OldRequest


def call_deprecated(client: MixedServiceClientSync) -> None:
    client.legacy_fetch(OldRequest())  # line 6


def call_current(client: MixedServiceClientSync) -> None:
    client.fetch(OldRequest())  # line 10


def make_old() -> OldServiceClientSync:
    return OldServiceClientSync("http://localhost:1")  # line 14
"""


@pytest.mark.parametrize("flavor", gs.FLAVORS)
def test_mypy_flags_deprecated_use(flavor: str, tmp_path: Path) -> None:
    tree = gs.ours(flavor, "default")
    # A stable path: mypy's incremental cache would otherwise report a cached result
    # under the path of an earlier run. One per Python: scripts/test's layer 6 runs
    # the versions at the same time.
    user_dir = gs.OUT / "user-code" / gs.PYTHON_VERSION / tree.id
    user_dir.mkdir(parents=True, exist_ok=True)
    user = user_dir / "user_of_deprecated.py"
    user.write_text(USER_CODE.format(suffix=tree.message_suffix), encoding="utf-8")
    config = gs.write_mypy_config(tree, tmp_path)
    result = gs.run_mypy(tree, config, [user], cache=f"{tree.id}-deprecated")
    # Keep only the file's name: mypy's incremental cache may replay a result under
    # the path the file had when it was cached.
    lines = [
        re.sub(rf"^\S*{re.escape(user.name)}:", f"{user.name}:", line)
        for line in result.stdout.splitlines()
        if line.strip()
    ]
    # Every diagnostic is about the user file and is a deprecation.
    assert lines, gs.describe(result)
    assert all(line.startswith(f"{user.name}:") for line in lines), gs.describe(result)
    assert all(line.endswith("[deprecated]") for line in lines), gs.describe(result)
    text = "\n".join(lines)
    assert (
        f"{user.name}:6: error: function {MODULE}.MixedServiceClientSync.legacy_fetch is "
        "deprecated: The RPC hazards.v1.MixedService.LegacyFetch is deprecated." in text
    ), text
    assert f"class {MODULE}.OldServiceClientSync is deprecated" in text, text
    assert not any(line.startswith(f"{user.name}:10:") for line in lines), text
    assert result.stderr.strip() == "", gs.describe(result)
