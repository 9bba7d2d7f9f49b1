"""The WSGI application as each web worker of ``huren_web`` (granian) loads it: the worker
first binds its life to the granian process that forked it (:func:`huren.web.child.bind_to_parent`),
so that no worker outlives it and keeps the port, however it ends (SIGKILL included).

A thread that has waited for the database gets the interpreter back within 1 ms instead of
Python's 5 ms (``HUREN_WEB_SWITCH_MS``): answers are ~1.5 ms of Python between database
round trips, and the longer interval put their p99 at 45–48 ms instead of 42 ms in
``bench/recognition.py``."""

from __future__ import annotations

import os
import sys

from huren.web.child import bind_to_parent

bind_to_parent(os.getppid())
sys.setswitchinterval(max(0.0001, float(os.environ.get("HUREN_WEB_SWITCH_MS", "1")) / 1000))

from huren.site.wsgi import application  # noqa: E402

__all__ = ["application"]
