"""The data folder's write probe and the installation secret hold when ``huren serve``'s
children (worker, web, DICOM node) read the settings at the same moment: each probe is a
file of its own, and one secret is published whole, whoever makes it."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from huren.site.settings import installation_secret, probe_writable


def test_probes_at_the_same_moment_never_trip_over_each_other(tmp_path):
    home = tmp_path / "home"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: probe_writable(home), range(400)))  # a shared probe file raised here
    assert home.is_dir() and list(home.iterdir()) == []  # nothing left behind


def test_an_unwritable_folder_fails_the_probe(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError):
        probe_writable(blocker / "home")


def test_one_secret_for_processes_starting_together(tmp_path):
    key = tmp_path / "secret_key"
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda _: installation_secret(key), range(64)))
    assert len(seen) == 1 and len(seen.pop()) >= 50
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary file left
    assert installation_secret(key) == key.read_text().strip()  # later reads keep it
