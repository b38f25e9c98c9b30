"""A service gives back the memory its hashing threads used, once the hashing stops."""

from __future__ import annotations

import ctypes
import gc
import subprocess
import sys
import weakref

import pytest

from nowrongdoor.memory import started_objects_set_aside


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


# A fresh process hashes six times on a pool of two threads, each time taking, filling and
# freeing a block the size of an Argon2id hash's, waits until the pool is idle, and prints how
# much more memory it holds than before, in MiB.
AFTER_SIX_HASHES = """
import asyncio, ctypes, os, sys
from nowrongdoor.memory import IDLE_SECONDS, MemoryHardPool, share_one_heap
if sys.argv[1] == "shared":
    assert share_one_heap()
libc = ctypes.CDLL(None)
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
SIZE = 19 * 1024 * 1024

def hash_sized_work():
    block = libc.malloc(SIZE)
    ctypes.memset(block, 1, SIZE)
    libc.free(block)
    return "hashed"

def resident():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

async def main():
    pool = MemoryHardPool("test", workers=2)
    before = resident()
    done = await asyncio.gather(*(pool.run(hash_sized_work) for _ in range(6)))
    assert done == ["hashed"] * 6
    await asyncio.sleep(IDLE_SECONDS + 0.5)
    print((resident() - before) / 2**20)

asyncio.run(main())
"""


def _kept_after_hashing(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", AFTER_SIX_HASHES, mode],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(done.stdout)


@pytest.mark.skipif(not _glibc(), reason="the heaps are glibc's")
def test_hashing_memory_goes_back_once_the_pool_is_idle() -> None:
    assert _kept_after_hashing("own-heaps") > 15, "glibc now gives it back; the module may go"
    assert _kept_after_hashing("shared") < 4


def test_what_a_service_made_as_it_started_is_collected_once_it_stops() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.itself = self

    made_at_start = Cycle()
    seen = weakref.ref(made_at_start)
    with started_objects_set_aside():
        set_aside = gc.get_freeze_count() > 0
        del made_at_start
        gc.collect()
        kept_while_running = seen() is not None
    gc.collect()

    assert set_aside and kept_while_running, "the collector leaves the start's objects alone"
    assert gc.get_freeze_count() == 0
    assert seen() is None, "what became garbage meanwhile is collected once the service stops"
