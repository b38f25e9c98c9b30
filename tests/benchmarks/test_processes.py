"""bench/running.py and bench/steady.py: each process the platform started is found under its
name, its memory and its CPU read from `/proc`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.running import Platform, service_memory
from bench.steady import cpu_ticks, per_complaint

BUSY = "import sys, time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
"""A child that spends 0.3 s of CPU, then waits to be read."""


def started_here(tmp_path: Path) -> Platform:
    """This process, as if it were `nowrongdoor up`: its children are the platform's."""
    absent = "http://127.0.0.1:9"
    return Platform(
        gateway=absent,
        nats_url="nats://127.0.0.1:9",
        intake=absent,
        routing=absent,
        case_tracking=absent,
        notifications=absent,
        pid=os.getpid(),
        data_dir=tmp_path,
        env={},
        log=tmp_path / "up.log",
    )


def test_the_platforms_processes_are_counted_by_name(tmp_path: Path) -> None:
    here = started_here(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY + "sys.stdin.read()", "routing.app:create_app"],
        stdin=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    try:
        # Until the child has spent most of its CPU.
        while (ticks := cpu_ticks(here)).get("routing", 0) < 25:
            assert time.monotonic() < deadline, "the child never spent its CPU"
            time.sleep(0.02)
    finally:
        child.communicate(b"")

    # The child alone, by the name its command line gives: its 0.3 s and its start.
    assert 25 <= ticks["routing"] <= 60
    assert per_complaint({"routing": 0}, {"routing": 30}, 100) == "routing 3.00; in all 3.00"


def test_each_services_memory_is_read_by_its_name(tmp_path: Path) -> None:
    ready = "import sys\nprint('ready', flush=True)\nsys.stdin.read()"
    child = subprocess.Popen(
        [sys.executable, "-c", ready, "case_tracking.app:create_app"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # Read once the interpreter has started: an instant after its exec it holds almost nothing.
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 30
        while not (found := service_memory(started_here(tmp_path))):
            assert time.monotonic() < deadline, "the child was never found"
            time.sleep(0.02)
    finally:
        child.communicate("")

    assert list(found) == ["case-tracking"]
    assert 1_000_000 < found["case-tracking"] < 200_000_000
