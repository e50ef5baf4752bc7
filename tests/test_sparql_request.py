"""The endpoint's fast parameter reader gives exactly urllib's parse_qsl (what werkzeug and the form reader used)."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, quote, unquote_to_bytes

import werkzeug.urls  # noqa: F401  (registers the werkzeug.url_quote error handler)

from cpkb.web.sparql_request import parse_pairs, unquote_bytes

PIECES = ["%", "%2", "%20", "%2g", "%e9%95%80", "%E9%95", "%ff", "%%41", "+", "=", "&", "&&", "a", "Z", "镀",
          "é", " ", "%3D", "%26", "%2B", "\\", "#", "?", "%0A", "%C3%A9", "%c3"]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))


def test_the_same_pairs_as_parse_qsl_on_awkward_input():
    rng = random.Random(14)
    for _ in range(4000):
        text = _random_text(rng)
        for errors in ("replace", "werkzeug.url_quote", "strict"):
            try:
                expected = parse_qsl(text, keep_blank_values=True, errors=errors)
            except UnicodeDecodeError:
                expected = UnicodeDecodeError
            try:
                got = parse_pairs(text, errors=errors)
            except UnicodeDecodeError:
                got = UnicodeDecodeError
            assert got == expected, (text, errors)


def test_unquote_bytes_is_unquote_to_bytes():
    rng = random.Random(7)
    for _ in range(2000):
        data = _random_text(rng).encode("utf-8")
        assert unquote_bytes(data) == unquote_to_bytes(data), data


def test_a_fully_encoded_query_round_trips():
    query = 'PREFIX cpkb: <https://example.org/cpkb#>\nSELECT ?s WHERE { ?s ?p "镀铬 100%" } # 注释'
    body = "query=" + quote(query, safe="") + "&format=json&default-graph-uri="
    assert parse_pairs(body) == [("query", query), ("format", "json"), ("default-graph-uri", "")]


def test_the_worker_pipes_read_whole_messages_of_any_size():
    """web/worker_pool.Inbox reads multiprocessing.Connection's framing in few reads: messages written back to
    back, small and larger than the pipe, come out whole and in order."""
    import os
    import threading
    from multiprocessing.connection import Connection

    from cpkb.web.worker_pool import Inbox

    read_fd, write_fd = os.pipe()
    sender = Connection(write_fd, readable=False)
    messages = [b"", b"x", os.urandom(5000), os.urandom(70000), b"tail" * 3, os.urandom(300000)]
    thread = threading.Thread(target=lambda: [sender.send_bytes(m) for m in messages])
    thread.start()
    inbox = Inbox(read_fd)
    assert [inbox.read() for _ in messages] == messages
    thread.join()
    sender.close()
    try:
        inbox.read()
    except EOFError:
        pass
    else:
        raise AssertionError("a closed pipe must end the reading")
    os.close(read_fd)
