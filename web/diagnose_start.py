"""Starts the app's diagnosis workers in the background and tells a request that comes too early that the
knowledge is still loading.

A worker loads the whole knowledge base before it answers: half a minute alone, minutes on a busy machine. A
request that waited for that in its own thread would hold it (and fail at the first start limit); instead the
workers start on the first visit of the upload form or the first diagnosis, a request waits at most
`diagnose_start_wait_s`, and past it gets 503 with Retry-After (`StillLoading`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

RETRY_AFTER_LOADING_S = 20  # a worker loads in 30 s to a few minutes: asking again every 20 s finds it soon enough


class StillLoading(Exception):
    """The diagnosis workers are still loading the knowledge base; `loading_s` says for how long so far."""

    def __init__(self, loading_s: float):
        super().__init__(f"the diagnosis workers have been loading the knowledge for {loading_s:.0f} s")
        self.loading_s = loading_s


class DiagnoserSlot:
    """One app's Diagnoser: started once in a background thread, handed out when ready, restarted after a
    failed start (the next request tries again)."""

    def __init__(self, settings: dict[str, Any], prepare: Callable[[], None]):
        self.settings = settings
        self.prepare = prepare  # runs first in the starting thread: opens (or builds) the store the workers read
        self.diagnoser = None
        self._error: BaseException | None = None
        self._ready: threading.Event | None = None
        self._started_at = 0.0
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Begin starting the workers unless they run or are starting; returns at once."""
        with self._lock:
            if self.diagnoser is not None or self._ready is not None or self._closed:
                return
            self._ready, self._error, self._started_at = threading.Event(), None, time.monotonic()
            threading.Thread(target=self._start, args=(self._ready,), daemon=True,
                             name="cpkb-diagnosis-start").start()

    def _start(self, ready: threading.Event) -> None:
        from .diagnose_worker import Diagnoser

        try:
            self.prepare()
            diagnoser = Diagnoser(self.settings)
        except Exception as exc:  # reported to the waiting request as "no worker", logged in full here
            log.exception("the diagnosis workers did not start")
            with self._lock:
                self._error = exc
        else:
            with self._lock:
                if self._closed:
                    diagnoser.close()
                else:
                    self.diagnoser = diagnoser
        ready.set()

    def get(self, wait_s: float):
        """The running Diagnoser; StillLoading when it is not ready within wait_s, RuntimeError when no worker
        could start (the next call starts them again)."""
        self.start()
        with self._lock:
            ready, started_at = self._ready, self._started_at
        if ready is not None and not ready.wait(wait_s):
            raise StillLoading(time.monotonic() - started_at)
        with self._lock:
            if self.diagnoser is not None:
                return self.diagnoser
            error, self._ready = self._error, None
        raise RuntimeError(f"no diagnosis worker started: {error}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            diagnoser, self.diagnoser = self.diagnoser, None
        if diagnoser is not None:
            diagnoser.close()
