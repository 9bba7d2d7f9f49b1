"""Run one of ``huren serve``'s children (the task worker, the DICOM node) so that it never
outlives the server, however the server ends (Ctrl-C, SIGTERM, SIGHUP or SIGKILL).

``python -m huren.web.child PARENT_PID COMMAND ARGS...`` asks the kernel to send SIGTERM
when the parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``, through ctypes), exits at once
if the parent is already gone, and also watches its parent id once a second (the portable
fallback: a child re-parented to init or a subreaper is an orphan), then runs the Django
management command ``COMMAND``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
GRACE_S = 15  # after SIGTERM, the time a child has to finish before it exits regardless


def _pdeathsig(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    os._exit(1)


def bind_to_parent(parent: int) -> None:
    """Die with ``parent``: the kernel's parent-death signal where there is one, and a watcher."""
    _pdeathsig(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def main(argv: list[str]) -> int:
    parent, command = int(argv[0]), argv[1:]
    bind_to_parent(parent)
    # a SIGINT the server ignored must not be ignored here: SIGTERM/SIGINT stop the child
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from huren.cli import _django

    return _django(command)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
