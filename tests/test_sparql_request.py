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


def test_idle_work_runs_only_while_no_job_waits_and_stops_when_done():
    """answer_jobs calls idle() between jobs (the diagnosis worker warms one sector per call): a job that arrives
    is answered before the next idle step, and idle work stops for good once it returns False."""
    import os
    import pickle
    import threading
    from multiprocessing.connection import Connection

    from cpkb.web.worker_pool import answer_jobs

    jobs_r, jobs_w = os.pipe()
    answers_r, answers_w = os.pipe()
    to_worker = Connection(jobs_w, readable=False)
    from_worker = Connection(answers_r, writable=False)
    events: list = []
    steps = iter(range(3))
    job_sent, idle_over = threading.Event(), threading.Event()

    def idle() -> bool:
        step = next(steps, None)
        events.append(("idle", step))
        if step is None:
            idle_over.set()
        if step == 0:   # a job arrives during the first step: it must be answered before step 1
            to_worker.send_bytes(pickle.dumps("job-1"))
            job_sent.set()
        return step is not None

    def handle(job):
        events.append(("job", job))
        return ("ok", job)

    worker = threading.Thread(target=answer_jobs, args=(Connection(jobs_r, writable=False),
                                                       Connection(answers_w, readable=False), handle),
                              kwargs={"idle": idle})
    worker.start()
    assert job_sent.wait(10)
    assert pickle.loads(from_worker.recv_bytes()) == ("ok", "job-1")
    assert idle_over.wait(10)
    to_worker.send_bytes(pickle.dumps("job-2"))   # answered after the idle work ended, which is not called again
    assert pickle.loads(from_worker.recv_bytes()) == ("ok", "job-2")
    to_worker.send_bytes(pickle.dumps(None))
    worker.join(10)
    assert not worker.is_alive()
    assert events[:2] == [("idle", 0), ("job", "job-1")], events
    assert [e for e in events if e[0] == "idle"] == [("idle", 0), ("idle", 1), ("idle", 2), ("idle", None)]
    assert events[-1] == ("job", "job-2")
