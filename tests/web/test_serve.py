"""``huren serve`` end to end, as a user runs it: migrate, collect static files, start the
worker and the DICOM node, serve pages and local static files, stop cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE, sop_class

SRC = Path(__file__).resolve().parents[2] / "src"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _echo(port: int) -> int | None:
    ae = AE(ae_title="ECHOSCU")
    ae.add_requested_context(sop_class.Verification, [ImplicitVRLittleEndian])
    ae.acse_timeout = ae.network_timeout = 5
    assoc = ae.associate("127.0.0.1", port, ae_title="HUREN")
    if not assoc.is_established:
        return None
    status = assoc.send_c_echo()
    assoc.release()
    return status.Status if status else None


@pytest.mark.slow
def test_serve_runs_web_worker_and_dicom_node_and_stops_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own SQLite under tmp HUREN_HOME
    env.update(HUREN_HOME=str(tmp_path), PYTHONPATH=str(SRC), HUREN_TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    port, dport = _free_port(), _free_port()
    p = subprocess.Popen([sys.executable, "-m", "huren", "serve", "--port", str(port), "--dicom-port", str(dport)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "按 Ctrl-C 停止" in line:
                break
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in out and f"AE=HUREN  127.0.0.1:{dport}" in out, out
        assert (tmp_path / "huren.sqlite3").is_file()

        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10).read().decode()
        assert "登录" in html and "https://" not in html  # nothing from a CDN
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/huren.css", timeout=10)
        assert css.status == 200 and "text/css" in css.headers["Content-Type"]

        assert _echo(dport) == 0x0000  # "press Ctrl-C to stop" means ready: the DICOM node answers at once
    finally:
        p.send_signal(signal.SIGINT)
        rest, _ = p.communicate(timeout=30)
    assert p.returncode == 0, rest
    assert "已停止" in rest
    with socket.socket() as s:  # nobody listens on the DICOM port any more: the child is gone
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME_WAIT do not count
        s.bind(("127.0.0.1", dport))


@pytest.mark.slow
@pytest.mark.parametrize("taken", ["web", "dicom"])
def test_a_port_in_use_stops_serve_before_any_child_starts(tmp_path, taken):
    """The web or the DICOM port already taken: a bilingual error naming it, exit status 1,
    and no child left (nothing else listens, no worker runs)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HUREN_HOME=str(tmp_path), PYTHONPATH=str(SRC), HUREN_TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        busy = squatter.getsockname()[1]
        port, dport = (busy, _free_port()) if taken == "web" else (_free_port(), busy)
        p = subprocess.run([sys.executable, "-m", "huren", "serve", "--port", str(port), "--dicom-port", str(dport)],
                           env=env, capture_output=True, text=True, timeout=120)
    said = p.stdout + p.stderr
    assert p.returncode == 1, said
    assert f"cannot listen on 127.0.0.1:{busy} (port in use?)" in said and "端口被占用" in said, said
    assert ("DICOM" in said) == (taken == "dicom"), said
    assert "Starting worker" not in said and "按 Ctrl-C 停止" not in said, said
