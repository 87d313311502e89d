"""The forked worker pools (newsletter/pools.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from newsletter.pools import shares

# A caller with a SIGTERM handler of its own, as `serve` has, runs pools again and again:
# each pool ends its workers with SIGTERM, which must end them, not raise in them.
_CALLER = textwrap.dedent(
    """
    import signal
    from newsletter.pools import forked_pool

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    for _ in range(30):
        with forked_pool(2) as pool:
            assert sorted(pool.imap_unordered(abs, range(-8, 0))) == list(range(1, 9))
    print("done")
    """
)


def test_pools_end_under_a_caller_s_own_sigterm_handler() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _CALLER], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    assert "Traceback" not in result.stderr  # no worker died of the caller's handler


def test_the_results_pipe_is_widened_and_big_results_pass_whole() -> None:
    """The results pipe is widened to 1 MB, so a worker's result of 2.5 MB passes in
    three pipefuls instead of forty (each waiting for the busy caller to read it)."""
    import fcntl

    from newsletter.pools import forked_pool

    with forked_pool(2) as pool:
        reader = pool._outqueue._reader  # type: ignore[attr-defined]
        assert fcntl.fcntl(reader.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
        sizes = [300_000, 2_500_000, 70_000]
        results = pool.map(_filler, sizes)
    assert results == [_filler(size) for size in sizes]


def _filler(size: int) -> bytes:
    return bytes([size % 251]) * size


@pytest.mark.parametrize("count", [0, 1, 2, 13, 200, 401])
@pytest.mark.parametrize("cores", [1, 2, 8])
def test_shares_keep_every_job_once_in_order_and_shrink_to_one(count: int, cores: int) -> None:
    jobs = list(range(count))
    cut = shares(jobs, cores)
    assert [job for share in cut for job in share] == jobs
    sizes = [len(share) for share in cut]
    assert sizes == sorted(sizes, reverse=True) and all(sizes)
    assert not sizes or (sizes[-1] == 1 and sizes[0] <= max(1, count // (2 * cores)))
