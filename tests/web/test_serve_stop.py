"""``huren serve``'s worker and DICOM node never outlive it: stopped by SIGTERM when it was
started with SIGINT ignored (the case seen), by SIGHUP, and killed (SIGKILL) — real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(x) for x in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _start(tmp_path, ignore_sigint: bool, extra: tuple[str, ...] = (), n_children: int = 3, port: int | None = None):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(HUREN_HOME=str(tmp_path), PYTHONPATH=str(SRC), HUREN_TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    pre = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore_sigint else None
    p = subprocess.Popen([sys.executable, "-m", "huren", "serve", "--port", str(port or _free_port()),
                          "--dicom-port", str(_free_port()), *extra], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, preexec_fn=pre)
    deadline = time.monotonic() + 120
    lines = []
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "按 Ctrl-C 停止" in line:
            break
    kids = set()
    while time.monotonic() < deadline and len(kids) < n_children:
        kids = _children(p.pid)
        time.sleep(0.2)
    assert len(kids) == n_children, "".join(lines)
    return p, kids


def _gone(pids, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(_alive(k) for k in pids):
            return True
        time.sleep(0.2)
    return False


def _stops_with_children(p, kids, sig) -> None:
    p.send_signal(sig)
    rest, _ = p.communicate(timeout=40)
    assert "已停止" in rest, rest
    assert _gone(kids, 5), [k for k in kids if _alive(k)]


def _kill_all(p, kids) -> None:
    for k in kids:
        if _alive(k):
            os.kill(k, signal.SIGKILL)
    if p.poll() is None:
        p.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_stops_the_children_even_with_sigint_ignored(tmp_path, sig):
    p, kids = _start(tmp_path, ignore_sigint=True)
    try:
        _stops_with_children(p, kids, sig)
    finally:
        _kill_all(p, kids)


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _web_workers(kids, n: int) -> tuple[int, set[int]]:
    """The web server child and its ``n`` worker processes (granian's, forked from it)."""
    web = next(k for k in kids if "huren_web" in _cmdline(k))
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < n:
        workers = _children(web)
        time.sleep(0.2)
    assert len(workers) == n, workers
    return web, workers


def test_children_die_with_a_killed_server(tmp_path):
    p, kids = _start(tmp_path, ignore_sigint=False)
    _, workers = _web_workers(kids, 1)
    try:
        p.kill()
        p.wait(timeout=10)
        assert _gone(kids | workers, 20), [k for k in kids | workers if _alive(k)]
    finally:
        for k in kids | workers:
            if _alive(k):
                os.kill(k, signal.SIGKILL)


def test_a_killed_web_server_takes_its_workers_and_stops_huren_serve(tmp_path):
    """The web server (granian) killed outright: none of its workers keeps the port, and
    huren serve stops the other children and says why, instead of running without a site."""
    p, kids = _start(tmp_path, ignore_sigint=False, extra=("--processes", "2"))
    web, workers = _web_workers(kids, 2)
    try:
        os.kill(web, signal.SIGKILL)
        assert _gone(workers, 20), [k for k in workers if _alive(k)]
        rest, _ = p.communicate(timeout=40)
        assert "the web server exited with -9" in rest and "已停止" in rest, rest
        assert p.returncode != 0
        assert _gone(kids, 5), [k for k in kids if _alive(k)]
    finally:
        _kill_all(p, kids | workers)


def test_more_web_processes_answer_on_the_same_port_and_stop_with_the_server(tmp_path):
    """``--processes 2``: two web worker processes serve the port (both do work for the
    requests asked), and they stop with the server like the other children."""
    import urllib.error
    import urllib.request

    port = _free_port()
    p, kids = _start(tmp_path, ignore_sigint=False, extra=("--processes", "2"), port=port)
    web, workers = _web_workers(kids, 2)

    def answers() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10).read()
            return True
        except (urllib.error.URLError, OSError):
            return False

    def cpu(pid: int) -> int:  # clock ticks used so far
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def nice(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    try:
        # the worker runs at a lower CPU priority (HUREN_WORKER_NICE, +10), the web and DICOM processes do not
        assert sorted(nice(k) - nice(p.pid) for k in kids | workers) == [0, 0, 0, 0, 10]
        before = {w: cpu(w) for w in workers}
        ok = [answers() for _ in range(40)]
        assert all(ok), ok
        worked = {w: cpu(w) - before[w] for w in workers}
        assert all(t > 0 for t in worked.values()), worked  # each process answered some of them
        _stops_with_children(p, kids | workers, signal.SIGTERM)
    finally:
        _kill_all(p, kids | workers)


def test_a_web_worker_takes_the_interpreter_back_within_the_configured_interval(tmp_path):
    """``huren.web.web_worker`` (what each granian worker loads) sets the interpreter's switch
    interval from HUREN_WEB_SWITCH_MS (1 ms by default; Python's own is 5 ms)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HUREN_WEB_SWITCH_MS")}
    env.update(HUREN_HOME=str(tmp_path), PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="huren.site.settings")
    code = "import sys, huren.web.web_worker as w; print(sys.getswitchinterval(), callable(w.application))"
    for extra, want in (({}, 0.001), ({"HUREN_WEB_SWITCH_MS": "2.5"}, 0.0025)):
        out = subprocess.run([sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True,
                             timeout=60)
        interval, app = out.stdout.split()
        assert abs(float(interval) - want) < 1e-9 and app == "True", out.stderr
