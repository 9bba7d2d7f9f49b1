"""``huren_web``: the web processes of ``huren serve``: granian (HTTP in Rust, the WSGI
application in Python threads) serving ``huren.site.wsgi`` on host:port with ``--processes``
worker processes of ``--threads`` threads each. Python runs one thread at a time per
process, so on a machine of several cores more processes answer more requests at once;
each has its own database connections. A worker that dies is started again. SIGTERM
(or the parent-death signal of :mod:`huren.web.child`) stops it and its workers."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "huren serve 的网页进程 / the web processes of huren serve"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--processes", type=int, default=1)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host, port, processes, threads, **opts):
        try:
            from granian import Granian
            from granian.constants import Interfaces
            from granian.log import LogLevels
        except ImportError:
            raise CommandError("缺少 granian，请安装依赖 / granian is missing: pip install granian") from None
        from django.db import connections

        connections.close_all()  # the workers are forked from this process: no connection is shared
        Granian("huren.web.web_worker:application", address=host, port=port, interface=Interfaces.WSGI,
                workers=max(1, processes), blocking_threads=max(1, threads), websockets=False,
                log_access=False, log_level=LogLevels.warning, respawn_failed_workers=True).serve()
