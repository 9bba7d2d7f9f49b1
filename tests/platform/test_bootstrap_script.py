"""scripts/bootstrap.sh on a fresh or half-set-up machine: it must stop with a clear message
when the install fails, rebuild a broken .venv, and not reinstall (needing the network) on a
second run. The scripts run in a scratch copy of the project with a stand-in python."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ["bash", "dirname", "cat", "cksum", "grep", "mktemp", "rm", "mv", "env"]

FAKE_PYTHON = """#!/bin/bash
echo "$*" >> "$(dirname "$0")/../calls.log"
case "$*" in
  "-m pip --version") [ -f "$(dirname "$0")/../no-pip" ] && exit 1; echo "pip 25"; exit 0;;
  "-c import sys; sys.exit(sys.version_info < (3, 12))") [ -f "$(dirname "$0")/../old-python" ] && exit 1; exit 0;;
  "-m pip install -q -e "*) [ -f "$(dirname "$0")/../pip-fails" ] && { echo "ERROR: No matching distribution found for Django>=6"; exit 1; }; echo "installed"; exit 0;;
  *) exit 0;;
esac
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if shutil.which("bash") is None:
        pytest.skip("bash missing")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # a PATH with the shell tools only: no python of any version on it
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for t in TOOLS:
        os.symlink(shutil.which(t), bin_ / t)
    return tmp_path


def _fake_venv(project: Path) -> Path:
    py = project / ".venv" / "bin" / "python"
    py.parent.mkdir(parents=True)
    py.write_text(FAKE_PYTHON)
    py.chmod(py.stat().st_mode | stat.S_IEXEC)
    return project / ".venv"


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(project / "bin"), "HOME": str(project), "PYENV_ROOT": str(project / "no-pyenv")}
    return subprocess.run(["bash", str(project / "scripts" / "bootstrap.sh"), *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)


def test_no_python_312_stops_with_a_bilingual_message(project):
    r = _run(project)
    assert r.returncode == 1
    assert "需要 Python 3.12" in r.stderr and "Python 3.12 or newer is needed" in r.stderr


def test_failed_install_stops_the_script_and_shows_pips_reason(project):
    venv = _fake_venv(project)
    (venv / "pip-fails").touch()
    r = _run(project, "test")
    assert r.returncode == 1
    assert "No matching distribution" in r.stderr and "installing the dependencies failed" in r.stderr
    assert not (venv / ".huren-installed").exists()


def test_second_run_does_not_reinstall_and_make_run_after_make_test_skips_too(project):
    venv = _fake_venv(project)
    assert _run(project, "test").returncode == 0
    assert _run(project, "test").returncode == 0
    assert _run(project).returncode == 0  # no extras: the earlier install with extras covers it
    installs = [c for c in (venv / "calls.log").read_text().splitlines() if c.startswith("-m pip install")]
    assert len(installs) == 1, installs
    # a changed pyproject.toml is installed again
    with open(project / "pyproject.toml", "a") as fh:
        fh.write("\n# changed\n")
    assert _run(project, "test").returncode == 0
    installs = [c for c in (venv / "calls.log").read_text().splitlines() if c.startswith("-m pip install")]
    assert len(installs) == 2


def test_a_venv_without_pip_is_rebuilt_not_reused(project):
    venv = _fake_venv(project)
    (venv / "no-pip").touch()
    r = _run(project)
    # it is removed as broken; with no python on PATH it then says what is needed
    assert "incomplete" in r.stderr and not venv.exists()
    assert r.returncode == 1 and "Python 3.12 or newer is needed" in r.stderr


def test_a_venv_of_an_older_python_is_rebuilt(project):
    venv = _fake_venv(project)
    (venv / "old-python").touch()
    r = _run(project)
    assert "older than 3.12" in r.stderr and not venv.exists()
