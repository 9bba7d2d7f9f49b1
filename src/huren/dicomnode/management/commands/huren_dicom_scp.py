"""Run the DICOM Storage SCP in the foreground (``huren serve`` starts it as a child)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "DICOM Storage SCP: C-ECHO and C-STORE into HUREN_HOME/dicom / DICOM 接收服务"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--ae-title", default=None)

    def handle(self, *args, host, port, ae_title, **opts):
        from huren.dicomnode import scp

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            server = scp.start(host, port, ae_title)
        except OSError as e:
            p = port or settings.HUREN_DICOM_PORT
            # the web service goes on without DICOM intake: say how to get it back
            self.stderr.write(f"错误：DICOM 端口 {p} 无法监听（{e}）；网页照常运行，DICOM 接收未启动。"
                              f"请用 huren serve --dicom-port N 换一个端口，或 --no-dicom / "
                              f"error: cannot listen on DICOM port {p} ({e}); the web service runs on without "
                              f"DICOM intake. Use huren serve --dicom-port N for another port, or --no-dicom")
            raise SystemExit(1)
        self.stdout.write(f"DICOM SCP {ae_title or settings.HUREN_DICOM_AE_TITLE} @ {host}:{server.server_address[1]}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.shutdown()
