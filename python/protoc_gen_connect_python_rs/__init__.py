"""protoc-gen-connect_python, the Rust protoc / buf plugin for typed Python Connect RPC code.

The wheel installs the binary ``protoc-gen-connect_python`` into the environment's scripts
directory, where protoc and buf find it on ``PATH``. This package only locates that binary,
for ``python -m protoc_gen_connect_python_rs`` and for tools that want its path.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

__all__ = ["BINARY_NAME", "BinaryNotFoundError", "candidate_dirs", "find_binary"]

BINARY_NAME = "protoc-gen-connect_python" + (".exe" if sys.platform == "win32" else "")


class BinaryNotFoundError(FileNotFoundError):
    """The installed ``protoc-gen-connect_python`` binary is in none of the places searched."""


def candidate_dirs() -> list[Path]:
    """The directories an installer may have put the binary in, most likely first.

    1. the scripts directory of the running interpreter's install scheme (a venv's
       ``bin/``, ``uv tool`` and ``pipx`` environments, a system or prefix install);
    2. the user scheme's scripts directory (``pip install --user``, ``~/.local/bin``);
    3. ``bin/`` (``Scripts\\`` on Windows) beside the directory this package was installed
       into, for ``pip install --target DIR`` (``DIR/bin``) and relocated prefixes.
    """
    dirs: list[Path] = []
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    user_scheme = sysconfig.get_preferred_scheme("user")
    user_scripts = sysconfig.get_path("scripts", scheme=user_scheme)
    if user_scripts:
        dirs.append(Path(user_scripts))
    scripts_dir_name = "Scripts" if sys.platform == "win32" else "bin"
    install_dir = Path(__file__).resolve().parent.parent
    dirs.append(install_dir / scripts_dir_name)
    unique: list[Path] = []
    for directory in dirs:
        if directory not in unique:
            unique.append(directory)
    return unique


def find_binary() -> str:
    """The path of the installed ``protoc-gen-connect_python`` binary.

    Raises ``BinaryNotFoundError``, naming every directory searched, when none has it.
    """
    dirs = candidate_dirs()
    for directory in dirs:
        path = directory / BINARY_NAME
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    searched = "".join(f"\n  {directory}" for directory in dirs)
    raise BinaryNotFoundError(
        f"{BINARY_NAME} is not installed beside the protoc_gen_connect_python_rs module; "
        f"searched:{searched}\n"
        "Reinstall the distribution: pip install --force-reinstall protoc-gen-connect-python-rs"
    )
