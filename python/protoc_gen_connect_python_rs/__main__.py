"""``python -m protoc_gen_connect_python_rs [ARGS...]``: runs the installed binary with ARGS.

The binary replaces this process where the platform allows it (its exit status is then
the process's); elsewhere it runs as a child whose exit status is passed on.
"""

from __future__ import annotations

import os
import subprocess
import sys

from protoc_gen_connect_python_rs import BinaryNotFoundError, find_binary


def main() -> int:
    try:
        binary = find_binary()
    except BinaryNotFoundError as error:
        print(f"python -m protoc_gen_connect_python_rs: error: {error}", file=sys.stderr)
        return 1
    args = [binary, *sys.argv[1:]]
    if sys.platform == "win32":
        # No exec on Windows: os.execv would start a new process and return at once.
        return subprocess.run(args, check=False).returncode
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(binary, args)  # replaces this process
    except OSError as error:
        print(
            f"python -m protoc_gen_connect_python_rs: error: cannot run {binary}: {error}",
            file=sys.stderr,
        )
        return 126


if __name__ == "__main__":
    sys.exit(main())
