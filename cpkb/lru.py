"""A bounded, thread-safe least-recently-used map: behind the page and SPARQL answer caches and the unit caches."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class LRU:
    """At most `size` items (0 keeps nothing); the least recently used goes first."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        """The item, marked as used. Without the lock: OrderedDict's get and move_to_end are each one step under
        the GIL, and the unit caches are read hundreds of thousands of times per survey."""
        item = self._items.get(key)
        if item is not None:
            try:
                self._items.move_to_end(key)
            except KeyError:   # put() dropped it meanwhile: the item read is still a right answer
                pass
        return item

    def put(self, key: Hashable, item: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
