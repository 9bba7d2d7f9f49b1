"""The DICOM node on a port another program holds: a message that says what to do."""

from __future__ import annotations

import signal
import socket

import pytest
from django.core.management import call_command


@pytest.fixture
def keep_signal_handlers():
    # the command installs its own SIGINT/SIGTERM handlers: give the test process its own back
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_busy_dicom_port_exits_1_and_says_how_to_choose_another(db, capsys, keep_signal_handlers):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        with pytest.raises(SystemExit) as e:
            call_command("huren_dicom_scp", "--host", "127.0.0.1", "--port", str(port))
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert str(port) in err and "--dicom-port" in err and "--no-dicom" in err and "无法监听" in err
