"""Memory-hard work off the event loop, and its memory given back once the work stops.

An Argon2id hash at OWASP's minimum takes a 19 MiB block. glibc gives each thread a heap (an
arena) of its own and keeps such a block there once freed, so each thread that ever hashed held
19 MiB for good: intake and the gateway grew by about 40 MB under load and never shrank, and
`malloc_trim` cannot shrink a thread's heap. Mapping the block afresh for every hash would give
it back at once, but doubles the hash's cost on a virtual machine, where the kernel zeroes and
maps 19 MiB each time. So a service's threads share the main heap (`share_one_heap`, called as
the service starts, before it starts any thread), `MemoryHardPool` runs the work on one thread
per core, which reuses its blocks while work keeps coming, and once the process has done no
work for `IDLE_SECONDS` the freed memory goes back to the system. The hash costs the same.
A burst of events leaves the same kind of high-water mark in every consumer, and is handed
back the same way. Elsewhere than glibc (musl, macOS) nothing is changed and the pool only
bounds the threads.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final, TypeVar

T = TypeVar("T")

IDLE_SECONDS: Final = 2.0
"""How long a process waits without work (a hash, a batch of events) before it hands memory
back; under steady load more work always comes sooner, so nothing is mapped again while it is
needed."""


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


@contextmanager
def started_objects_set_aside() -> Iterator[None]:
    """While a service runs, the objects it made as it started (modules, routes, models) are
    left out of the cyclic garbage collector's passes, which otherwise walk them all again and
    again: about an eighth of the gateway's CPU for a cached case read. They come back as the
    service stops, so whatever of them is garbage by then is collected."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def give_back_freed_memory() -> bool:
    """Return every whole free page of the main heap to the system; True if any went back."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))


class GiveBackWhenQuiet:
    """Gives freed memory back once `IDLE_SECONDS` pass without work; `worked` after each piece
    of work (a hash, a batch of events) moves that moment on, so under steady work it never
    comes and nothing is mapped again while it is needed."""

    def __init__(self) -> None:
        self._moment: asyncio.TimerHandle | None = None

    def worked(self) -> None:
        if self._moment is not None:
            self._moment.cancel()
        self._moment = asyncio.get_running_loop().call_later(IDLE_SECONDS, give_back_freed_memory)


after_work: Final = GiveBackWhenQuiet()
"""The process's one: hashes and event batches both move it on."""


class MemoryHardPool:
    """Threads for CPU- and memory-hard work (Argon2id), one per core by default."""

    def __init__(self, name: str, workers: int | None = None) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=workers or os.cpu_count() or 1, thread_name_prefix=name
        )

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` on one of the pool's threads."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            after_work.worked()
