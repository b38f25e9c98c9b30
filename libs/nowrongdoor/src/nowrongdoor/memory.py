"""Memory-hard work off the event loop, and its memory given back once the work stops.

An Argon2id hash at OWASP's minimum takes a 19 MiB block. glibc gives each thread a heap (an
arena) of its own and keeps such a block there once freed, so each thread that ever hashed held
19 MiB for good: intake and the gateway grew by about 40 MB under load and never shrank, and
`malloc_trim` cannot shrink a thread's heap. Mapping the block afresh for every hash would give
it back at once, but doubles the hash's cost on a virtual machine, where the kernel zeroes and
maps 19 MiB each time. So a service's threads share the main heap (`share_one_heap`, called as
the service starts, before it starts any thread), `MemoryHardPool` runs the work on one thread
per core, which reuses its blocks while work keeps coming, and once the pool has been idle for
`IDLE_SECONDS` the freed memory goes back to the system. The hash costs the same. Elsewhere
than glibc (musl, macOS) nothing is changed and the pool only bounds the threads.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

T = TypeVar("T")

IDLE_SECONDS: Final = 2.0
"""How long the pool waits without work before it hands memory back; under steady load a new
hash always comes sooner, so the blocks are never mapped again while they are needed."""


M_ARENA_MAX: Final = -8
"""mallopt's parameter for how many heaps (arenas) the threads may spread over (malloc.h)."""


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - present in glibc only
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    libc.malloc_trim.restype = ctypes.c_int
    return libc


_LIBC: Final = _glibc()


def share_one_heap() -> bool:
    """Have the threads started from now on allocate from the main heap, which
    `give_back_freed_memory` can shrink; True when glibc took it."""
    return _LIBC is not None and bool(_LIBC.mallopt(M_ARENA_MAX, 1))


def give_back_freed_memory() -> bool:
    """Return every whole free page of the main heap to the system; True if any went back."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))


class MemoryHardPool:
    """Threads for CPU- and memory-hard work (Argon2id), one per core by default."""

    def __init__(self, name: str, workers: int | None = None) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=workers or os.cpu_count() or 1, thread_name_prefix=name
        )
        self._pending = 0
        self._give_back: asyncio.TimerHandle | None = None

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` on one of the pool's threads."""
        loop = asyncio.get_running_loop()
        if self._give_back is not None:
            self._give_back.cancel()
            self._give_back = None
        self._pending += 1
        try:
            return await loop.run_in_executor(self._executor, work, *args)
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._give_back = loop.call_later(IDLE_SECONDS, give_back_freed_memory)
