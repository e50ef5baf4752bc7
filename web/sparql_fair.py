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
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

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
            self._wake()

    def drop_slot(self, slot: int) -> None:
        """A slot out of service until add_slot gives it back (its worker is being replaced)."""
        with self._lock:
            if slot in self._free:
                self._free.remove(slot)

    # ------------------------------------------------------------------ the rules

    def _light(self, state: _Client, now: float) -> bool:
        return state.running == 0 and now >= state.heavy_until

    def _may_take(self, waiter: _Waiter, state: _Client, now: float) -> bool:
        if not self._free or state.running >= self.running_per_client:
            return False
        light = self._light(state, now)
        if not light and len(self._free) <= self.kept:
            return False  # the kept slot stays for light clients
        # first come, first served among those who could take a slot now
        return self._first_eligible(now) is waiter

    def _eligible(self, waiter: _Waiter, now: float) -> bool:
        state = self._clients[waiter.client]
        return state.running < self.running_per_client and (self._light(state, now) or len(self._free) > self.kept)

    def _first_eligible(self, now: float) -> _Waiter | None:
        """The waiter whose turn it is: first in order among those who could take a slot now."""
        return next((w for w in sorted(self._waiters) if self._eligible(w, now)), None)

    def _wake(self) -> None:
        """Wake the waiter whose turn it is, if a slot is free (it wakes the next in turn once it has taken its
        slot). Waking every waiter at each release cost each request some ten thread switches."""
        if self._free:
            waiter = self._first_eligible(time.monotonic())
            if waiter is not None:
                waiter.wake.notify()

    def acquire(self, client: str, timeout_s: float) -> int:
        """A slot for this client within timeout_s; Refused 429 (over its share) or 503 (none freed)."""
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
                return self._free.pop()
            waiter = _Waiter(0 if self._light(state, now) else 1, next(self._order), client,
                             threading.Condition(self._lock))
            self._waiters.append(waiter)
            state.waiting += 1
            try:
                while not self._may_take(waiter, state, time.monotonic()):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise Refused(503, f"所有查询进程都忙，{timeout_s:g} 秒内没有空闲；请稍后再试。\n"
                                           f"All query workers stayed busy for {timeout_s:g} s; try again in a "
                                           "few seconds.", retry_after=5)
                    waiter.wake.wait(min(remaining, 1.0))  # woken in turn; the second counts a cooldown's end
                slot = self._free.pop()
                state.running += 1
                return slot
            finally:
                self._waiters.remove(waiter)
                state.waiting -= 1
                self._wake()

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
            self._wake()
