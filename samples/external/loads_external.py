"""A Python external runner for loads (`loads-runner --test-runner`), in one file.

    loads-runner --test-runner "/usr/bin/python3 loads_external.py {test}" sample_tests.TestSample.test_hello

loads starts this script once per virtual user and cycle, with the test's fully qualified name as
its argument and the plan in LOADS_* environment variables. It builds one instance of the test
class, runs the test method once per hit (or in a loop for LOADS_DURATION seconds), and reports
every step as one JSON object per ZeroMQ frame, PUSHed to LOADS_ZMQ_RECEIVER. The module is looked
up from the current directory (loads starts the runner in --test-dir).

Needs pyzmq (Debian: python3-zmq) and nothing else beyond the standard library. Test classes
derive from loads_external.TestCase, a unittest.TestCase with `server_url`, `session` (HTTP
requests reported as hits) and `incr_counter`. They also run under plain `python3 -m unittest`,
where nothing is reported.

Exit status: 0 when every hit was run (whatever the tests' outcomes: loads counts those), 1 when
the test could not be loaded (reported as one error first), 2 when the environment is unusable.
"""
import datetime
import http.client
import importlib
import json
import os
import sys
import time
import traceback
import unittest
import urllib.parse

# A linger long enough for the last frames to reach loads when this process exits, short enough
# that a runner gone away does not keep it alive forever.
SEND_LINGER_MS = 5000

# Set by main(); None when the tests run outside loads (python3 -m unittest), which reports nothing.
_reporter = None


class Reporter:
    """The PUSH socket to loads, and the envelope every message carries."""

    def __init__(self, endpoint, agent_id, run_id, hits, users, current_user):
        import zmq  # here, so that `python3 -m unittest` works without pyzmq

        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.PUSH)
        self.socket.connect(endpoint)
        self.agent_id = agent_id
        self.run_id = run_id
        # [hits in this cycle (0 in duration mode), users, current hit, current user], both 1-based
        self.status = [hits, users, 0, current_user]

    def send(self, data_type, **fields):
        message = {"data_type": data_type, "agent_id": self.agent_id, "run_id": self.run_id,
                   "loads_status": self.status, **fields}
        self.socket.send(json.dumps(message).encode())

    def close(self):
        # close(linger) waits for the queued frames to be delivered; term() then returns at once.
        self.socket.close(linger=SEND_LINGER_MS)
        self.context.term()


def _report(data_type, **fields):
    if _reporter is not None:
        _reporter.send(data_type, **fields)


def _utc_now_iso():
    """The current UTC time as ISO 8601 with microseconds, e.g. 2024-05-01T12:00:00.123456Z."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status          # e.g. 200
        self.reason = reason          # e.g. "OK"
        self.headers = headers        # an http.client.HTTPMessage (case-insensitive get())
        self.body = body              # bytes

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


class Session:
    """A small HTTP/1.1 client that keeps one connection per host open between requests, and
    reports each exchange to loads as a hit (add_hit)."""

    def __init__(self, timeout=30):
        self.timeout = timeout
        self._connections = {}  # (scheme, host, port) -> HTTPConnection

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, data=None, **kw):
        return self.request("POST", url, data=data, **kw)

    def put(self, url, data=None, **kw):
        return self.request("PUT", url, data=data, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)

    def request(self, method, url, data=None, headers=None):
        """Sends one request and reads the whole answer. `data`: bytes, str (sent as UTF-8) or
        None. A connection error raises (an error of the test); any HTTP status is a hit."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r}")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if isinstance(data, str):
            data = data.encode()
        started = _utc_now_iso()
        clock = time.perf_counter()
        key = (parts.scheme, parts.hostname, parts.port)
        reused = key in self._connections
        try:
            answer = self._exchange(key, method, target, data, headers or {})
        except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
            if not reused:
                raise
            # The server closed the idle kept-alive connection: one new attempt, as browsers do.
            started = _utc_now_iso()
            clock = time.perf_counter()
            answer = self._exchange(key, method, target, data, headers or {})
        elapsed = time.perf_counter() - clock
        _report("add_hit", url=url, method=method, status=answer.status, started=started, elapsed=elapsed)
        return answer

    def _exchange(self, key, method, target, data, headers):
        connection = self._connections.pop(key, None)
        if connection is None:
            scheme, host, port = key
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = kind(host, port, timeout=self.timeout)
        try:
            connection.request(method, target, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._connections[key] = connection
        return Response(response.status, response.reason, response.headers, body)

    def close(self):
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()


class TestCase(unittest.TestCase):
    """The base of the test classes: unittest's asserts, plus what a load test needs."""

    server_url = None  # the class's default; LOADS_SERVER_URL (loads-runner --server-url) replaces it

    def __init__(self, methodName="runTest"):
        super().__init__(methodName)
        if os.environ.get("LOADS_SERVER_URL"):
            self.server_url = os.environ["LOADS_SERVER_URL"]
        self.session = Session()

    def incr_counter(self, name):
        """Adds 1 to the custom counter `name` (the summary's "Custom metrics")."""
        _report("incr_counter", name=name, test=self.id())


def _test_frames(tb):
    """The frames of a traceback that are the test's own code: not this runner's loop above the
    test, not what the test called in this module (the Session) or in unittest (the assert
    helpers), and not the import machinery's."""
    frames = list(traceback.walk_tb(tb))
    while frames and frames[0][0].f_globals is globals():
        frames.pop(0)
    for i, (frame, _) in enumerate(frames):
        if frame.f_globals is globals() or "__unittest" in frame.f_globals:
            del frames[i:]
            break
    return [(frame, line) for frame, line in frames
            if not frame.f_globals.get("__name__", "").startswith("importlib")]


def _exc_info(error):
    """[class, message, traceback] as the seed's Python runner sends them. The traceback holds
    the test's frames only, so that its last `File` line, which loads shows as where the problem
    happened, is a line of the test rather than of unittest or http.client."""
    frames = traceback.StackSummary.extract(_test_frames(error.__traceback__))
    text = "Traceback (most recent call last):\n" + "".join(frames.format()) if frames else ""
    text += "".join(traceback.format_exception_only(type(error), error))
    return [str(type(error)), str(error), text]


def _run_once(test, method):
    """One hit: setUp, the test, tearDown and cleanups, with unittest's meaning of each outcome."""
    name = test.id()
    _report("startTest", test=name)
    try:
        test.setUp()
        try:
            method()
        finally:
            try:
                test.tearDown()
            finally:
                test.doCleanups()
    except test.failureException as error:
        _report("addFailure", test=name, exc_info=_exc_info(error))
    except Exception as error:
        _report("addError", test=name, exc_info=_exc_info(error))
    else:
        _report("addSuccess", test=name)
    _report("stopTest", test=name)


def _load(fqn):
    """The test instance and its bound method for 'package.module.Class.test_method'."""
    class_path, _, method_name = fqn.rpartition(".")
    module_name, _, class_name = class_path.rpartition(".")
    if not module_name:
        raise ValueError(f"{fqn!r} is not module.Class.test_method")
    cls = getattr(importlib.import_module(module_name), class_name)
    test = cls(method_name)  # unittest raises ValueError for a method the class does not have
    return test, getattr(test, method_name)


def _hit_numbers(hits, duration):
    """1, 2, 3...: `hits` of them, or as many as start within `duration` seconds."""
    if duration is None:
        yield from range(1, hits + 1)
        return
    deadline = time.monotonic() + duration
    hit = 0
    while time.monotonic() < deadline:
        hit += 1
        yield hit


def _number(name, kind, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def main(argv):
    global _reporter
    if len(argv) != 2:
        print("usage: loads_external.py package.module.Class.test_method", file=sys.stderr)
        return 2
    fqn = argv[1]
    endpoint = os.environ.get("LOADS_ZMQ_RECEIVER")
    if not endpoint:
        print("loads_external: LOADS_ZMQ_RECEIVER is not set (run me with loads-runner --test-runner)",
              file=sys.stderr)
        return 2
    try:
        duration = _number("LOADS_DURATION", float, None)
        hits = 0 if duration is not None else _number("LOADS_TOTAL_HITS", int, 1)
        users = _number("LOADS_TOTAL_USERS", int, 1)
        user = _number("LOADS_CURRENT_USER", int, 1)
    except ValueError as error:
        print(f"loads_external: {error}", file=sys.stderr)
        return 2
    _reporter = Reporter(endpoint, os.environ.get("LOADS_AGENT_ID"), os.environ.get("LOADS_RUN_ID"), hits,
                         users, user)
    sys.path.insert(0, os.getcwd())  # the test modules are in loads' --test-dir, our cwd
    try:
        try:
            # One instance per process, as the seed builds one TestCase per virtual user.
            test, method = _load(fqn)
        except Exception as error:
            # Not loadable: one error that says why (and the traceback in this process's log).
            traceback.print_exc()
            _reporter.status[2] = 1
            _reporter.send("startTest", test=fqn)
            _reporter.send("addError", test=fqn, exc_info=_exc_info(error))
            _reporter.send("stopTest", test=fqn)
            return 1
        for hit in _hit_numbers(hits, duration):
            _reporter.status[2] = hit
            _run_once(test, method)
        return 0
    finally:
        _reporter.close()


if __name__ == "__main__":
    # The test modules `import loads_external`: they must get this very module, not a second copy
    # whose _reporter is unset.
    sys.modules["loads_external"] = sys.modules[__name__]
    sys.exit(main(sys.argv))
