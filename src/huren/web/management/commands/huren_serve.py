"""``huren serve``: everything a site needs, in one command.

1. migrate the database (SQLite under HUREN_HOME unless DATABASE_URL says otherwise);
2. collect static files (served by whitenoise; nothing comes from a CDN);
3. with ``--demo``, load the demo data into an empty database (``huren_demo``);
4. start the background task worker (``db_worker`` of django_tasks_db) as a child process;
5. start the DICOM Storage SCP (``huren_dicom_scp``) as a child process, unless ``--no-dicom``;
6. start the web server (``huren_web``: granian, ``--processes`` workers of ``--threads``
   threads) on host:port as a child, and wait until Ctrl-C or SIGTERM; then stop the
   children and exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT_S = 15


class Command(BaseCommand):
    help = "运行网页服务、后台任务与 DICOM 接收 / run the web service, background worker and DICOM intake"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="load demo data into an empty database")
        parser.add_argument("--no-dicom", action="store_true", help="do not start the DICOM Storage SCP")
        parser.add_argument("--dicom-port", type=int, default=None, help="DICOM port (default HUREN_DICOM_PORT)")
        parser.add_argument("--threads", type=int, default=4, help="web server threads (per process)")
        parser.add_argument("--processes", type=int, default=1,
                            help="web server processes sharing the port (e.g. the number of cores; default 1)")

    def say(self, msg: str) -> None:
        self.stdout.write(msg)
        self.stdout.flush()

    def handle(self, *args, host, port, demo, no_dicom, dicom_port, threads, processes, **opts):
        try:
            import granian  # noqa: F401
        except ImportError:
            raise CommandError("缺少 granian，请安装依赖 / granian is missing: pip install granian") from None

        # From the first moment: SIGTERM and SIGHUP end the server like Ctrl-C (also when it was
        # started with SIGINT ignored), so the ``finally`` below always stops the children; a
        # SIGKILL cannot be caught, and there each child's parent-death signal stops it
        # (huren.web.child).
        def on_term(signum, frame):
            raise KeyboardInterrupt

        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, on_term)
        self.say(f"huren: 数据目录 / data folder {settings.HUREN_HOME}")
        self.say("huren: 迁移数据库 / migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        self.say("huren: 收集静态文件 / collecting static files …")
        call_command("collectstatic", interactive=False, verbosity=0)
        just_loaded = self.load_demo() if demo else False
        if demo:  # a demo installation: the login page shows the demo logins (never otherwise)
            settings.HUREN_DEMO = True
            os.environ["HUREN_DEMO"] = "1"

        # Try the ports first: a port in use should fail before children are started.
        dport = None if no_dicom else (dicom_port or settings.HUREN_DICOM_PORT)
        for what, p in (("网页 / web", port), ("DICOM", dport)):
            if p is None:
                continue
            try:
                with socket.create_server((host, p)):
                    pass
            except OSError as e:
                raise CommandError(f"{what}：无法监听 {host}:{p}（端口被占用？）/ cannot listen on {host}:{p} "
                                   f"(port in use?): {e}") from None

        children: list[tuple[str, subprocess.Popen]] = []
        stopping = threading.Event()
        try:
            # the background worker (analyses, image-quality evaluations, digests) gives way to
            # intake and pages: it runs at a lower CPU priority (HUREN_WORKER_NICE, default +10)
            children.append(("worker", self.spawn(["db_worker", "--interval", "1"], nice=settings.HUREN_WORKER_NICE)))
            web = self.spawn(["huren_web", "--host", host, "--port", str(port), "--processes", str(max(1, processes)),
                              "--threads", str(threads)])
            children.append(("web", web))
            dicom = None
            if dport is not None:
                dicom = self.spawn(["huren_dicom_scp", "--host", host, "--port", str(dport)])
                children.append(("dicom", dicom))
            shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            # "press Ctrl-C to stop" means ready: both ports accept connections
            if not self.wait_for_port(shown_host, port, web):
                raise CommandError(f"网页服务未能启动（见上方信息）/ the web server did not start on {host}:{port} (see above)")
            if dicom is not None:
                if self.wait_for_port(shown_host, dport, dicom):
                    self.say(f"huren: DICOM 接收 / DICOM Storage SCP  AE={settings.HUREN_DICOM_AE_TITLE}  {host}:{dport}")
                else:
                    self.stderr.write(f"huren: DICOM 接收未能启动（见上方信息），网页照常 / the DICOM Storage SCP did not "
                                      f"start on {host}:{dport} (see above); the web service runs without it")
            threading.Thread(target=self.watch, args=(children, stopping), daemon=True).start()
            self.say(f"huren: 网页 / web  http://{shown_host}:{port}/")
            if not just_loaded:  # huren_demo has just printed them
                self.print_logins()
            self.say("huren: 按 Ctrl-C 停止 / press Ctrl-C to stop")
            try:
                while not stopping.wait(3600):
                    pass
            except KeyboardInterrupt:
                pass
            if web.poll() is not None:  # the web server ended by itself: the site is down, say so
                raise CommandError(f"网页服务已退出（代码 {web.returncode}）/ the web server exited with {web.returncode}")
        finally:
            stopping.set()
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the stopping short
            self.say("\nhuren: 正在停止 / stopping …")
            self.stop_children(children)
            self.say("huren: 已停止 / stopped")

    def spawn(self, argv: list[str], nice: int = 0) -> subprocess.Popen:
        # A new session: Ctrl-C reaches only this process, which then stops the children
        # in order (worker finishes its current task, SCP closes its associations).
        # huren.web.child ties each child's life to this process (parent-death signal).
        return subprocess.Popen([sys.executable, "-m", "huren.web.child", str(os.getpid()), *argv],
                                env=os.environ.copy(), start_new_session=True,
                                preexec_fn=(lambda: os.nice(nice)) if nice > 0 else None)

    def wait_for_port(self, host: str, port: int, web: subprocess.Popen, within: float = 120) -> bool:
        """Until the web server accepts connections (False if it exited first)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if web.poll() is not None:
                return False
            try:
                with socket.create_connection((host, port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def watch(self, children, stopping: threading.Event) -> None:
        while not stopping.wait(2):
            for name, p in children:
                if p.poll() is not None and not stopping.is_set():
                    self.stderr.write(f"huren: 子进程 {name} 已退出（代码 {p.returncode}）/ child {name} exited with {p.returncode}")
                    children.remove((name, p))
                    if name == "web":
                        stopping.set()  # without its web server huren serve stops (and says so)
                    break

    def stop_children(self, children) -> None:
        for _, p in children:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for name, p in children:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"huren: {name} 未按时停止，强制结束 / {name} did not stop in time; killing")
                p.kill()
                p.wait()

    def load_demo(self) -> bool:
        """Load the demo into an empty database; True if it was loaded now."""
        from django.contrib.auth import get_user_model

        if get_user_model().objects.exists():
            self.say("huren: 数据库已有数据，不载入演示数据 / database not empty; demo data not loaded")
            return False
        if "huren_demo" not in get_commands():
            self.stderr.write("huren: 演示数据命令 huren_demo 尚不可用，跳过 / the demo-data command huren_demo "
                              "is not available in this build; starting without demo data")
            return False
        self.say("huren: 载入演示数据 / loading demo data …")
        call_command("huren_demo")
        return True

    def print_logins(self) -> None:
        try:
            from huren.web.demo_info import demo_logins
        except ImportError:
            return
        logins = demo_logins()
        if logins:
            self.say("huren: 演示账号 / demo logins:")
            for user, password, role in logins:
                self.say(f"    {user:<16} {password:<16} {role}")
