"""Fixture runner: a valid success per hit, and once per process the frames below.

BAD: frames loads-runner must count as malformed (and otherwise ignore); every counter or hit
they name starts with "bad" so that a frame wrongly accepted shows in the summary.
GOOD: valid frames that carry extra keys, leave out or null what may be left out, or are accepted
and ignored; they must count: counters `extra-keys`, `no-run-id`, `null-run-id`, `empty-run-id`,
`agent-id-number`, `null-status` (one each per process), one hit on
http://127.0.0.1:9/good-hit (status 201) per process, one web socket opened and closed with 10
bytes per process. The tests use BAD_COUNT, the number of bad frames per process.
Exit 0."""
import json

from protocol import Push


def good(push):
    m = push.message
    extra = m("incr_counter", name="extra-keys", hostname="box", pid=123, nested={"a": [1, 2]})
    no_run_id = m("incr_counter", name="no-run-id")
    del no_run_id["run_id"]
    return [
        extra,
        no_run_id,
        dict(m("incr_counter", name="null-run-id"), run_id=None),
        dict(m("incr_counter", name="empty-run-id"), run_id=""),
        dict(m("incr_counter", name="agent-id-number"), agent_id=7),
        dict(m("incr_counter", name="null-status"), loads_status=None),
        {"data_type": "add_hit", "url": "http://127.0.0.1:9/good-hit", "status": 201, "elapsed": 0.001,
         "extra": True},
        m("socket_open", hostname="box"),
        m("socket_message", size=10),
        m("socket_close"),
        m("startTestRun"),
        m("stopTestRun"),
    ]


def bad(push):
    m = push.message
    no_type = m("incr_counter", name="bad-no-type")
    del no_type["data_type"]
    return [
        b"this is not JSON {",
        b'{"data_type": "incr_counter", "name": "bad-truncated"',
        b"[1, 2, 3]",
        b'"a string"',
        b"\xff\xfe not UTF-8",
        m("addSkip", name="bad-unknown-type"),
        no_type,
        m("add_hit", url="http://127.0.0.1:9/bad-status-text", status="200", elapsed=0.001),
        m("add_hit", url="http://127.0.0.1:9/bad-status-range", status=1000, elapsed=0.001),
        m("add_hit", url="http://127.0.0.1:9/bad-elapsed", status=200, elapsed=-1),
        m("add_hit", url="http://127.0.0.1:9/bad-started", status=200, elapsed=0.001, started="yesterday"),
        m("add_hit", status=200, elapsed=0.001),
        m("incr_counter"),
        m("incr_counter", name=""),
        m("incr_counter", name=42),
        dict(m("incr_counter", name="bad-other-run"), run_id="someone-else's-run"),
        dict(m("incr_counter", name="bad-run-id-number"), run_id=5),
        dict(m("incr_counter", name="bad-status-length"), loads_status=[1, 2, 3]),
        dict(m("incr_counter", name="bad-status-negative"), loads_status=[1, 1, -1, 1]),
        m("addFailure", test="bad-no-exc-info"),
        m("addError", test="bad-exc-info-string", exc_info="not a list"),
        m("socket_message", size=-5),
        m("socket_message"),
    ]


BAD_COUNT = 23  # len(bad(...)), for the tests (which do not connect a socket)

if __name__ == "__main__":
    push = Push()
    push.hit = 1
    frames = bad(push) + good(push)
    assert len(bad(push)) == BAD_COUNT
    for frame in frames:
        push.send_raw(frame if isinstance(frame, bytes) else json.dumps(frame).encode())
    for push.hit in range(1, push.hits + 1):
        push.success()
    push.close()
