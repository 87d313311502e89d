"""Ctrl-C that Python loses. A SIGINT raises KeyboardInterrupt in whatever runs when it
lands; inside a callback whose errors Python only prints (an import lock's weakref
callback, as a build imports its renderers) the exception is printed and dropped, and
the build would go on to write as if Ctrl-C had not been pressed. `watch` keeps a note
of every SIGINT, so that `build` still stops before it writes (`stop_if_interrupted`).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_noted: list[int] = []


def watch() -> None:
    """From now on note each SIGINT, then raise KeyboardInterrupt as Python does; only in
    the main thread, and only where Python's own handler is set (a SIGINT ignored since
    the process started, as in a shell's background job, stays ignored)."""
    _noted.clear()
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _note)


def stop_if_interrupted() -> None:
    """The KeyboardInterrupt of a SIGINT noted since `watch`, if Python lost it."""
    if _noted:
        raise KeyboardInterrupt


def _note(signum: int, frame: FrameType | None) -> None:
    _noted.append(signum)
    signal.default_int_handler(signum, frame)
