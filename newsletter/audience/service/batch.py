"""Group commit: the requests that arrive while one transaction runs go together in the
next, so that a burst of one-click unsubscribes (a mail provider sends them by the
thousand) costs one sync to disk per batch rather than one per request, and every
answer still waits for its change to be committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_BATCH = 500


class Batch(Generic[Item, Result]):
    """Runs `apply` (blocking: in the thread pool) on the items submitted meanwhile, one
    call at a time, and gives each submitter its item's result."""

    def __init__(self, apply: Callable[[Sequence[Item]], Sequence[Result]]) -> None:
        self._apply = apply
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """The result of `item`, once the batch it went in is applied."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await run_in_threadpool(self._apply, [item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
