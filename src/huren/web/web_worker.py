"""The WSGI application as each web worker of ``huren_web`` (granian) loads it: the worker
first binds its life to the granian process that forked it (:func:`huren.web.child.bind_to_parent`),
so that no worker outlives it and keeps the port, however it ends (SIGKILL included)."""

from __future__ import annotations

import os

from huren.web.child import bind_to_parent

bind_to_parent(os.getppid())

from huren.site.wsgi import application  # noqa: E402

__all__ = ["application"]
