"""``huren_web --fd N``: one more web process of ``huren serve --processes``, serving the
listening socket the server bound and passed down (file descriptor N) with waitress. Python
runs one thread at a time per process, so on a machine of several cores more processes
answer more requests at once; each has its own database connections."""

from __future__ import annotations

import signal
import socket

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "huren serve 的附加网页进程 / an additional web process of huren serve"

    def add_arguments(self, parser):
        parser.add_argument("--fd", type=int, required=True, help="the listening socket's file descriptor")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, fd, threads, **opts):
        from waitress import create_server

        from huren.site.wsgi import application

        sock = socket.socket(fileno=fd)

        def on_term(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        server = create_server(application, sockets=[sock], threads=threads, ident="huren")
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
