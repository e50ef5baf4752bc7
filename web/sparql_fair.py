"""Fair shares of the query workers: no client can take them all, and a newcomer is served at once.

Each request asks for a slot (a worker process on the embedded store, a connection to the server on a
remote one) in the name of its client. The rules:

- a client runs at most `sparql_client_running` queries at once and waits with at most
  `sparql_client_queued` more; a request beyond that is refused at once with 429 and `Retry-After`,
  so that one client cannot hold the web server's threads either;
- one slot is kept for *light* clients: those with nothing running whose last query did not hit the
  time limit in the last `query_timeout_s` seconds. Others take a slot only while another one stays
  free, so two clients looping exploding queries leave the kept slot to everyone else;
- waiting requests are served in arrival order within their class, light clients first; a request
  that finds no slot before its deadline gets 503 with `Retry-After`.

A slot freed while someone waits is handed over by the thread that frees it, which also runs the waiter's
`start` (sending its job to an idle worker): the worker starts on the next query at once, instead of after
the waiting thread has been woken and scheduled (milliseconds on a loaded machine, while the worker idles).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .sparql_guard import Refused


@dataclass
class _Client:
    running: int = 0
    waiting: int = 0
    heavy_until: float = 0.0


@dataclass(order=True)
class _Waiter:
    light: int  # 0 sorts first: light clients go before others
    order: int
    client: str = field(compare=False)
    wake: threading.Condition | None = field(default=None, compare=False)  # on the share's lock
    start: Callable[[], Any] | None = field(default=None, compare=False)  # run by whoever grants the slot
    slot: int | None = field(default=None, compare=False)  # the slot granted
    token: Any = field(default=None, compare=False)  # what start() returned (or raised)


class FairShare:
    """Hands out `slots` slots (ids 0 … slots-1) under the rules above."""

    def __init__(self, slots: int, kept: int, running_per_client: int, queued_per_client: int,
                 cooldown_s: float):
        self.slots = slots
        self.kept = min(kept, max(0, slots - 1))
        self.running_per_client = max(1, running_per_client)
        self.queued_per_client = max(0, queued_per_client)
        self.cooldown_s = cooldown_s
        self._free: list[int] = list(range(slots))
        self._clients: dict[str, _Client] = {}
        self._waiters: list[_Waiter] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self.refused = 0  # 429s given, for the benchmark and the tests

    # ------------------------------------------------------------------ slots come and go

    def add_slot(self, slot: int) -> None:
        """A slot (back) in service: a respawned worker, for instance."""
        with self._lock:
            self._free.append(slot)
            self._grant()

    def drop_slot(self, slot: int) -> None:
        """A slot out of service until add_slot gives it back (its worker is being replaced)."""
        with self._lock:
            if slot in self._free:
                self._free.remove(slot)

    # ------------------------------------------------------------------ the rules

    def _light(self, state: _Client, now: float) -> bool:
        return state.running == 0 and now >= state.heavy_until

    def _eligible(self, waiter: _Waiter, now: float) -> bool:
        state = self._clients[waiter.client]
        return state.running < self.running_per_client and (self._light(state, now) or len(self._free) > self.kept)

    def _first_eligible(self, now: float) -> _Waiter | None:
        """The waiter whose turn it is: first in order among those who could take a slot now."""
        return next((w for w in sorted(self._waiters) if self._eligible(w, now)), None)

    def _grant(self) -> None:
        """Hand the free slots to the waiters whose turn it is (lock held): each gets its slot, its start() runs here
        (a pipe write to an idle worker), and only that waiter is woken."""
        while self._free:
            waiter = self._first_eligible(time.monotonic())
            if waiter is None:
                return
            self._waiters.remove(waiter)
            state = self._clients[waiter.client]
            state.waiting -= 1
            state.running += 1
            waiter.slot = self._free.pop()
            if waiter.start is not None:
                try:
                    waiter.token = waiter.start()
                except Exception as exc:  # the waiter raises it in its own thread
                    waiter.token = exc
            waiter.wake.notify()

    def acquire(self, client: str, timeout_s: float) -> int:
        """A slot for this client within timeout_s; Refused 429 (over its share) or 503 (none freed)."""
        return self.acquire_started(client, timeout_s)[0]

    def acquire_started(self, client: str, timeout_s: float,
                        start: Callable[[], Any] | None = None) -> tuple[int, Any]:
        """A slot for this client within timeout_s and what start() returned, run once the slot is granted (by this
        thread, or by the one that freed the slot; an exception it raised is returned, not raised); Refused 429
        (over its share) or 503 (none freed)."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            state = self._clients.setdefault(client, _Client())
            # running and waiting together: a client whose queries were just stopped (nothing running) must not
            # fill every server thread with waiting requests, or a newcomer cannot even be heard
            if state.running + state.waiting >= self.running_per_client + self.queued_per_client:
                self.refused += 1
                raise Refused(429, f"您已有 {state.running} 个查询在运行、{state.waiting} 个在排队，超过每个客户端的份额；"
                                   "请等前面的查询结束后再发送。\n"
                                   f"You already have {state.running} queries running and {state.waiting} "
                                   "waiting, the share of one client; send the next one when an earlier one "
                                   "has finished.", retry_after=max(1, round(self.cooldown_s / 2)))
            now = time.monotonic()
            if not self._waiters and self._free and state.running < self.running_per_client and (
                    self._light(state, now) or len(self._free) > self.kept):
                state.running += 1  # nobody waits and the rules allow it: the slot at once, as the queue would give it
                slot = self._free.pop()
                waiter = None
            else:
                waiter = _Waiter(0 if self._light(state, now) else 1, next(self._order), client,
                                 threading.Condition(self._lock), start)
                self._waiters.append(waiter)
                state.waiting += 1
                self._grant()  # its turn may be now
                while waiter.slot is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._waiters.remove(waiter)
                        state.waiting -= 1
                        self._grant()  # those behind it may take what it could not
                        raise Refused(503, f"所有查询进程都忙，{timeout_s:g} 秒内没有空闲；请稍后再试。\n"
                                           f"All query workers stayed busy for {timeout_s:g} s; try again in a "
                                           "few seconds.", retry_after=5)
                    waiter.wake.wait(min(remaining, 1.0))  # woken when granted; the second counts a cooldown's end
                    if waiter.slot is None:
                        self._grant()
                return waiter.slot, waiter.token
        if start is None:
            return slot, None
        try:
            return slot, start()
        except Exception as exc:
            return slot, exc

    def release(self, client: str, slot: int | None, overran: bool = False) -> None:
        """The client's query ended; slot goes back unless None (its worker is being replaced).
        overran: it hit the time limit, which makes the client heavy for cooldown_s."""
        with self._lock:
            state = self._clients.get(client)
            if state is not None:
                state.running -= 1
                if overran:
                    state.heavy_until = time.monotonic() + self.cooldown_s
                if not state.running and not state.waiting and time.monotonic() >= state.heavy_until:
                    del self._clients[client]  # the table holds active clients only
            if slot is not None:
                self._free.append(slot)
            self._grant()
