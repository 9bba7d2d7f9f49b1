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
            self.stderr.write(f"错误：DICOM 端口 {port or settings.HUREN_DICOM_PORT} 无法监听 / error: cannot listen on DICOM port: {e}")
            raise SystemExit(1)
        self.stdout.write(f"DICOM SCP {ae_title or settings.HUREN_DICOM_AE_TITLE} @ {host}:{server.server_address[1]}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.shutdown()
