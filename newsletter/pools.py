"""Worker processes forked from this one, for the work a large archive shares out.

Forking hands the model over by memory, where a pool of fresh processes would pickle
it. Workers ignore SIGINT: Ctrl-C interrupts the calling process alone, which ends the
pool, and no worker prints a traceback; SIGTERM, which ends the pool's workers, kills
them whatever handler the caller set. What exists when the pool forks is frozen out
of the cyclic garbage collector's reach (`gc.freeze`, as Python's documentation advises
before a fork): each worker's collections would otherwise go through the whole model
again, copying every memory page they touch.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

T = TypeVar("T")


def cores_for(jobs: int, least: int) -> int:
    """How many workers `jobs` jobs get: the machine's cores, or 0 (do them in this
    process) below `least` jobs, on one core, or where processes cannot fork."""
    cores = os.cpu_count() or 1
    if jobs < least or cores < 2:
        return 0  # without loading multiprocessing (12 ms: a tenth of `check`)
    from multiprocessing import get_all_start_methods

    return cores if "fork" in get_all_start_methods() else 0


def shares(jobs: Sequence[T], cores: int) -> list[list[T]]:
    """`jobs` cut, in order, into shares that shrink as they go (each a `cores`-th of
    half what is left): few at first, so a worker seldom waits for the next, and one
    job at the end, so no worker waits long for the other's last share (equal shares
    of 200 issues left one core idle for 50 ms at the end of each pool)."""
    cut: list[list[T]] = []
    start = 0
    while start < len(jobs):
        size = max(1, (len(jobs) - start) // (2 * cores))
        cut.append(list(jobs[start : start + size]))
        start += size
    return cut


@contextlib.contextmanager
def forked_pool(
    cores: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[Pool]:
    """A pool of `cores` forked workers, each running `initializer(*initargs)` first."""
    from multiprocessing import get_context

    gc.freeze()
    try:
        # Until a worker has set its own handlers, the caller's would run in it: the
        # signals wait, blocked, from before it forks until `_start` (the pool's thread
        # that forks workers to replace dead ones is started here, and keeps the mask).
        unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            context = get_context("fork")
            pool = context.Pool(cores, initializer=_start, initargs=(initializer, initargs))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
        with pool:
            _widen_results_pipe(pool)
            yield pool
    finally:
        gc.unfreeze()


_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PIPE_BYTES = 1 << 20  # Linux's most for a user (/proc/sys/fs/pipe-max-size)


def _widen_results_pipe(pool: Pool) -> None:
    """Give the pipe the workers send their results through 1 MB instead of 64 KB. A
    worker sending a result (a share of issues' files: megabytes) waits for this
    process to read each pipeful, and this process, busy meanwhile, is scheduled to read
    it only so often: the render workers of 200 issues stood idle 0.2 s each, 0.07 s
    now. Where the pipe cannot be widened (another system, the pool's insides changed),
    it stays."""
    import fcntl

    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(pool._outqueue._reader.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[attr-defined]


def _start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The pool ends its workers with SIGTERM: a handler inherited from the caller (`serve`
    # raises KeyboardInterrupt) could leave one holding the task queue's lock, and the
    # pool waiting for the other forever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    if initializer is not None:
        initializer(*initargs)
