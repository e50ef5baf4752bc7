"""The store as the web app sees it: opened once per app (building it if needed), handed out on `g`."""

from __future__ import annotations

import threading

from flask import Flask, current_app, g

from cpkb.kb.build import open_store
from cpkb.kb.store import Store

_EXTENSION = "cpkb_store"


def init_app(app: Flask) -> None:
    """Open the store lazily on first use; one store per app, shared by its worker threads."""
    app.extensions[_EXTENSION] = {"store": None, "lock": threading.Lock()}


def get_store() -> Store:
    """The store for this request (pyoxigraph's in-memory store is safe to query from many threads)."""
    if "store" not in g:
        slot = current_app.extensions[_EXTENSION]
        with slot["lock"]:
            if slot["store"] is None:
                slot["store"] = open_store(current_app.config["CPKB"])
        g.store = slot["store"]
    return g.store
