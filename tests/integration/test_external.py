"""External runners (--test-runner), locally: the Python sample (samples/external) against the
sample server with exact counts, and the fixture runners of external/ for the environment,
malformed messages, runners that hang or crash, Ctrl-C, concurrent runs, the receiver endpoint
and bad input. Each test gives the runner its own TMPDIR, where the private receiver and the
runners' log directory go."""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import harness

PYTHON = "/usr/bin/python3"
SAMPLES = os.path.join(harness.env_path("LOADS_SOURCE_DIR"), "samples", "external")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "external")
SAMPLE_COMMAND = f"{PYTHON} loads_external.py {{test}}"
HELLO = "sample_tests.TestSample.test_hello"
MALFORMED_REASON = "loads-runner: ignored a malformed message from an external runner: "

sys.path.insert(0, FIXTURES)
import malformed  # noqa: E402  (BAD_COUNT; the fixture's socket code only runs as a script)


def fixture(name, *args):
    """A --test-runner command running the fixture runner `name`; `args` are words of the command
    as written (quotes and all)."""
    return " ".join([PYTHON, shlex.quote(os.path.join(FIXTURES, name)), *args])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_state(pid):
    """The state letter of /proc/<pid>/stat ('Z' for a zombie), or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def counters(result, prefix):
    """{name: value} of the summary's custom counters whose name starts with prefix."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(rf"^- ({re.escape(prefix)}.*) : (\d+)$", result.out, re.M)}


class ExternalTestCase(harness.ServerTestCase):
    def setUp(self):
        # Short, under /tmp: ipc paths must stay under 108 bytes.
        self.tmp = tempfile.mkdtemp(prefix="lx-", dir="/tmp")
        self.pids = os.path.join(self.tmp, "pids")
        os.mkdir(self.pids)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self):
        return {"TMPDIR": self.tmp}

    def run_external(self, command, fqn, *args, **kw):
        return harness.run("--test-runner", command, fqn, *args, env_extra=self.env(), **kw)

    def popen_external(self, command, fqn, *args):
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}", **self.env())
        return subprocess.Popen([harness.RUNNER, "--test-runner", command, fqn, *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def run_sample(self, fqn, *args, **kw):
        return self.run_external(SAMPLE_COMMAND, fqn, "--test-dir", SAMPLES, "--server-url", self.server.url, *args,
                                 **kw)

    def log_dirs(self):
        return glob.glob(os.path.join(self.tmp, "loads-external-*"))

    def pid_files(self, suffix=".pid"):
        return sorted(glob.glob(os.path.join(self.pids, "*" + suffix)))

    def wait_for_pid_files(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.pid_files()) >= n:
                return self.pid_files()
            time.sleep(0.02)
        self.fail(f"{n} pid files never appeared: {self.pid_files()}")

    def read_pids(self, suffix):
        pids = []
        for path in self.pid_files(suffix):
            with open(path) as f:
                pids.append(int(f.read()))
        return pids

    def assertReaped(self, pid):
        """A direct child of the runner: gone, not even a zombie (the runner waited for it)."""
        self.assertIsNone(process_state(pid), f"pid {pid} is still there")

    def assertEnded(self, pid):
        """A grandchild (its parent was the runner's child, which reaps it or not): not running."""
        self.assertIn(process_state(pid), (None, "Z"), f"pid {pid} still runs")

    def assertLogs(self, result, *texts):
        """The stderr names log files (one per failed process); each exists and holds `texts`."""
        logs = sorted(set(re.findall(r"(/\S+?\.log)\b", result.err)))
        self.assertTrue(logs, repr(result))
        for log in logs:
            with open(log) as f:
                content = f.read()
            for text in texts:
                self.assertIn(text, content, log)
        self.assertIn("loads-runner: the external runners' output is in ", result.err)
        return logs

    def assertUsageError(self, result, *texts):
        self.assertRun(result, 2)
        lines = result.err.splitlines()
        self.assertEqual(len(lines), 1, repr(result))
        self.assertTrue(lines[0].startswith("loads-runner: "), repr(result))
        for text in texts:
            self.assertIn(text, lines[0])


class Sample(ExternalTestCase):
    """samples/external/loads_external.py against the sample server."""

    def test_exact_counts_over_cycles_and_series(self):
        # Users 2 then 3, each with 2 hits then 1: 2x2 + 2x1 + 3x2 + 3x1 = 15 tests of one GET.
        r = self.run_sample(HELLO, "-u", "2:3", "--hits", "2:1")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 15)
        self.assertEqual(r.field("Hits"), 15)
        self.assertEqual(r.field("Errors"), 0)
        self.assertEqual(r.field("Failures"), 0)
        self.assertEqual(r.counter("hello"), 15)
        self.assertIn(f"- {self.server.url}/", r.out)
        self.assertNotIn("Malformed messages", r.out)
        # Every log was empty: the log directory is gone and not mentioned.
        self.assertEqual(self.log_dirs(), [])
        self.assertNotIn("external runners' output", r.err)

    def test_json_output_has_the_same_exact_counts(self):
        report = os.path.join(self.tmp, "report.json")
        r = self.run_sample(HELLO, "-u", "2:3", "--hits", "2:1", "--output", "json", "--output-json-filename", report)
        self.assertRun(r, 0)
        with open(report) as f:
            doc = json.load(f)
        totals = doc["totals"]
        self.assertEqual((totals["hits"], totals["tests"], totals["successes"], totals["failures"], totals["errors"]),
                         (15, 15, 15, 0, 0))
        self.assertEqual(totals.get("malformed_messages", 0), 0)
        self.assertEqual(doc["counters"], {"hello": 15})
        self.assertEqual([(u["url"], u["hits"], u["successes"]) for u in doc["urls"]],
                         [(self.server.url + "/", 15, 15)])
        self.assertEqual(doc["statuses"], {"200": 15})
        self.assertEqual(doc["latency"]["count"], 15)

    def test_post_and_several_processes_per_cycle(self):
        r = self.run_sample("sample_tests.TestSample.test_echo", "-u", "4", "--hits", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 12)
        self.assertEqual(r.field("Hits"), 12)
        self.assertIn(f"- {self.server.url}/echo", r.out)

    def test_assertion_failures_are_failures_with_the_python_file_and_line(self):
        r = self.run_sample("sample_tests.TestSample.test_fails", "-u", "2", "--hits", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Failures"), 4)
        self.assertEqual(r.field("Errors"), 0)
        self.assertEqual(r.field("Success"), 0)
        self.assertEqual(r.field("Hits"), 4)
        self.assertIn("4 occurrences of failure", r.err)
        # <class 'AssertionError'> reduced to its name; the traceback's last File line as file:line.
        self.assertIn("AssertionError: 500 != 200", r.err)
        self.assertNotIn("<class", r.err)
        self.assertRegex(r.err, r"at \S*samples/external/sample_tests\.py:\d+")

    def test_exceptions_are_errors_at_the_tests_line(self):
        # Nothing listens on port 1: http.client raises inside the session; the digest names the
        # test's line, not the socket library's.
        r = self.run_external(SAMPLE_COMMAND, HELLO, "--test-dir", SAMPLES, "--server-url", "http://127.0.0.1:1",
                              "--hits", "3")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 3)
        self.assertEqual(r.field("Hits"), 0)
        self.assertIn("ConnectionRefusedError: [Errno 111] Connection refused", r.err)
        self.assertRegex(r.err, r"at \S*samples/external/sample_tests\.py:\d+")

    def test_a_test_that_cannot_be_loaded_is_one_error_and_a_failed_process(self):
        # The sample's documented behaviour: one addError saying why, then exit status 1.
        r = self.run_sample("sample_tests.TestSample.test_nope", "-u", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 4)
        self.assertEqual(r.field("Success"), 0)
        self.assertIn("no such test method", r.err)
        self.assertIn("exited with status 1", r.err)
        self.assertLogs(r, "no such test method")

    def test_duration_mode_loops_for_the_duration(self):
        r = self.run_sample(HELLO, "-d", "1", "-u", "2")
        self.assertRun(r, 0)
        self.assertGreater(r.field("Success"), 10)
        self.assertEqual(r.field("Hits"), r.field("Success"))
        self.assertEqual(r.counter("hello"), r.field("Success"))
        self.assertEqual(r.field("Errors"), 0)
        self.assertGreaterEqual(r.elapsed, 1.0)
        self.assertLess(r.elapsed, 5.0)

    def test_many_messages_sent_just_before_exit_all_count(self):
        r = self.run_external(fixture("burst.py", "20000"), "burst.Burst.test", "-u", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("burst"), 60000)
        self.assertEqual(r.field("Success"), 3)


class Environment(ExternalTestCase):
    def test_variables_cwd_and_command_words(self):
        test_dir = os.path.realpath(os.path.join(self.tmp, "tests dir"))
        os.mkdir(test_dir)
        # Quotes as a shell reads them; {test} replaced wherever it is; other braces kept.
        command = fixture("env_report.py", "'two words'", "{test}", 'x{test}"y"', "{other}")
        r = self.run_external(command, "some.Module.test_x", "-u", "3", "--hits", "2", "--test-dir", test_dir,
                              "--server-url", self.server.url)
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 6)
        self.assertEqual(r.counter("LOADS_TOTAL_USERS=3"), 3)
        self.assertEqual(counters(r, "LOADS_CURRENT_USER="),
                         {"LOADS_CURRENT_USER=1": 1, "LOADS_CURRENT_USER=2": 1, "LOADS_CURRENT_USER=3": 1})
        self.assertEqual(r.counter("LOADS_TOTAL_HITS=2"), 3)
        self.assertEqual(counters(r, "LOADS_DURATION"), {})
        self.assertEqual(r.counter("LOADS_AGENT_ID=local"), 3)
        self.assertEqual(r.counter(f"LOADS_SERVER_URL={self.server.url}"), 3)
        [(run_id, n)] = counters(r, "LOADS_RUN_ID=").items()
        self.assertRegex(run_id, r"^LOADS_RUN_ID=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertEqual(n, 3)
        [(receiver, n)] = counters(r, "LOADS_ZMQ_RECEIVER=").items()
        self.assertRegex(receiver, rf"^LOADS_ZMQ_RECEIVER=ipc://{re.escape(self.tmp)}/loads-external-\w{{6}}/"
                                   r"receiver\.ipc$")
        self.assertEqual(n, 3)
        # The runner's own environment is passed on.
        self.assertEqual(r.counter(f"LOADS_PATH={harness.LIB_DIR}:{harness.FIXTURE_DIR}"), 3)
        self.assertEqual(r.counter(f"cwd={test_dir}"), 3)
        self.assertEqual(counters(r, "argv"), {"argv1=two words": 3, "argv2=some.Module.test_x": 3,
                                               "argv3=xsome.Module.test_xy": 3, "argv4={other}": 3})

    def test_without_test_dir_the_cwd_is_the_runners(self):
        cwd = os.path.realpath(self.tmp)
        r = self.run_external(fixture("env_report.py"), "m.C.t", cwd=cwd)
        self.assertRun(r, 0)
        self.assertEqual(r.counter(f"cwd={cwd}"), 1)
        self.assertEqual(counters(r, "LOADS_SERVER_URL"), {})
        self.assertEqual(r.counter("LOADS_TOTAL_HITS=1"), 1)
        self.assertEqual(r.counter("LOADS_TOTAL_USERS=1"), 1)

    def test_duration_mode_passes_the_duration_and_no_hits(self):
        r = self.run_external(fixture("env_report.py"), "m.C.t", "-d", "1.5", "-u", "2")
        self.assertRun(r, 0)
        [(name, n)] = counters(r, "LOADS_DURATION=").items()
        self.assertEqual(float(name.split("=", 1)[1]), 1.5)
        self.assertEqual(n, 2)
        self.assertEqual(counters(r, "LOADS_TOTAL_HITS"), {})
        # one success every 0.1 s for 1.5 s, per user
        self.assertGreater(r.field("Success"), 20)


class Messages(ExternalTestCase):
    def test_malformed_messages_are_counted_and_the_valid_ones_used(self):
        r = self.run_external(fixture("malformed.py"), "m.C.t", "-u", "2", "--hits", "3")
        self.assertRun(r, 0)
        self.assertGreaterEqual(malformed.BAD_COUNT, 6)
        self.assertEqual(r.field("Malformed messages"), 2 * malformed.BAD_COUNT)
        self.assertEqual(r.field("Success"), 6)
        self.assertEqual(r.field("Errors"), 0)
        self.assertEqual(r.field("Failures"), 0)
        for name in ("extra-keys", "no-run-id", "null-run-id", "empty-run-id", "agent-id-number", "null-status"):
            self.assertEqual(r.counter(name), 2, name)
        self.assertEqual(counters(r, "bad"), {})
        self.assertEqual(r.field("Hits"), 2)
        self.assertIn("- http://127.0.0.1:9/good-hit", r.out)
        self.assertNotIn("bad-", r.out)
        self.assertEqual(r.field("Opened web sockets"), 2)
        self.assertEqual(r.field("Bytes received via web sockets "), 20)
        # The reasons of the first five only.
        reasons = [line for line in r.err.splitlines() if line.startswith(MALFORMED_REASON)]
        self.assertEqual(len(reasons), 5, r.err)
        self.assertTrue(all(len(line) > len(MALFORMED_REASON) for line in reasons))
        # ...then one line saying the others are only counted, after the reasons.
        further = "loads-runner: (further malformed messages are counted, not shown)"
        self.assertEqual(r.err.count(further), 1, r.err)
        self.assertGreater(r.err.index(further), r.err.index(reasons[-1]))

    def test_malformed_messages_in_the_json_report(self):
        report = os.path.join(self.tmp, "report.json")
        r = self.run_external(fixture("malformed.py"), "m.C.t", "--hits", "2", "--output", "json",
                              "--output-json-filename", report)
        self.assertRun(r, 0)
        with open(report) as f:
            totals = json.load(f)["totals"]
        self.assertEqual(totals["malformed_messages"], malformed.BAD_COUNT)
        self.assertEqual(totals["successes"], 2)


class Processes(ExternalTestCase):
    def test_a_runner_that_never_exits_is_terminated_with_its_group(self):
        r = self.run_external(fixture("hang.py", self.pids, "child"), "m.C.t", "-u", "2", "--hits", "2",
                              "--external-process-timeout", "1")
        self.assertRun(r, 1)
        # Ended at step start + 2 hits x 1 s, by SIGTERM.
        self.assertGreaterEqual(r.elapsed, 2.0)
        self.assertLess(r.elapsed, 5.0)
        self.assertEqual(r.field("Errors"), 2)
        self.assertEqual(r.field("Success"), 0)
        self.assertEqual(r.counter("hang-started"), 2)
        self.assertIn("2 occurrences of error", r.err)
        self.assertIn("ExternalRunner: still running", r.err)
        self.assertEqual(len(re.findall(r"^loads-runner: .*user [12]\b.* still running after 2 s: terminated", r.err,
                                        re.M)), 2, r.err)
        pids, children = self.read_pids(".pid"), self.read_pids(".child")
        self.assertEqual((len(pids), len(children)), (2, 2))
        for pid in pids:
            self.assertReaped(pid)
        for pid in children:
            self.assertEnded(pid)
        logs = self.assertLogs(r, "hang.py: hanging")
        self.assertEqual(len(logs), 2)

    def test_a_runner_that_ignores_sigterm_is_killed_a_second_later(self):
        r = self.run_external(fixture("hang.py", self.pids, "ignore-term", "child"), "m.C.t",
                              "--external-process-timeout", "1")
        self.assertRun(r, 1)
        # 1 hit x 1 s, then SIGTERM (ignored), then SIGKILL 1 s later.
        self.assertGreaterEqual(r.elapsed, 2.0)
        self.assertLess(r.elapsed, 4.5)
        self.assertEqual(r.field("Errors"), 1)
        self.assertEqual(r.counter("hang-started"), 1)
        [pid], [child] = self.read_pids(".pid"), self.read_pids(".child")
        self.assertReaped(pid)
        self.assertEnded(child)

    def test_each_step_reaps_its_processes_before_the_next(self):
        proc = self.popen_external(fixture("hang.py", self.pids), "m.C.t", "--hits", "1:1",
                                   "--external-process-timeout", "1")
        try:
            first = self.wait_for_pid_files(1)[0]
            second = set(self.wait_for_pid_files(2)) - {first}
            self.assertEqual(len(second), 1)
            # The second step has started and the runner is still running: the first process was
            # waited for (a zombie would still be in /proc).
            self.assertIsNone(proc.poll())
            with open(first) as f:
                self.assertReaped(int(f.read()))
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        result = harness.Result(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), 0)
        self.assertRun(result, 1)
        self.assertEqual(result.field("Errors"), 2)
        self.assertEqual(result.counter("hang-started"), 2)
        for pid in self.read_pids(".pid"):
            self.assertReaped(pid)

    def test_a_runner_exiting_with_status_3(self):
        r = self.run_external(fixture("crash.py", "exit3"), "m.C.t", "-u", "2", "--hits", "2")
        self.assertRun(r, 1)
        # What it sent before exiting counts; the exit is one error per process.
        self.assertEqual(r.field("Success"), 4)
        self.assertEqual(r.counter("before-crash"), 2)
        self.assertEqual(r.field("Errors"), 2)
        self.assertIn("ExternalRunner: exited with status 3", r.err)
        logs = self.assertLogs(r, "crash.py: about to crash (exit3)\n", "crash.py: about to crash (exit3) on stderr")
        self.assertEqual(len(logs), 2)

    def test_a_runner_killed_by_a_signal(self):
        for how, signal_text in (("segv", "killed by signal 11 (SIGSEGV)"), ("abort", "killed by signal 6 (SIGABRT)")):
            with self.subTest(how=how):
                r = self.run_external(fixture("crash.py", how), "m.C.t", "--hits", "3")
                self.assertRun(r, 1)
                self.assertEqual(r.field("Success"), 3)
                self.assertEqual(r.counter("before-crash"), 1)
                self.assertEqual(r.field("Errors"), 1)
                self.assertIn(signal_text, r.err)
                self.assertLogs(r, f"crash.py: about to crash ({how})")

    def test_a_runner_that_cannot_be_started_is_one_error_per_process(self):
        # Executable, but its interpreter does not exist: exec fails in each child.
        script = os.path.join(self.tmp, "bad-interpreter.sh")
        with open(script, "w") as f:
            f.write("#!/nonexistent/interpreter\n")
        os.chmod(script, 0o755)
        r = self.run_external(f"{script} {{test}}", "m.C.t", "-u", "2", "--hits", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 2)
        self.assertEqual(r.field("Success"), 0)
        self.assertIn("ExternalRunner: cannot be started", r.err)
        self.assertEqual(len(re.findall(r"^loads-runner: .*user [12]\b.*could not be started", r.err, re.M)), 2,
                         r.err)

    def test_ctrl_c_stops_the_children_and_keeps_what_was_measured(self):
        proc = self.popen_external(fixture("hang.py", self.pids, "child"), "m.C.t", "-u", "2",
                                   "--external-process-timeout", "60")
        try:
            self.wait_for_pid_files(2)
            time.sleep(0.3)  # the hang-started counters are received
            started = time.monotonic()
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            stopped = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        result = harness.Result(subprocess.CompletedProcess(proc.args, proc.returncode, out, err), 0)
        self.assertRun(result, 130)
        self.assertLess(stopped, 4.0)
        self.assertIn("Success: 0", result.out)
        self.assertEqual(result.counter("hang-started"), 2)
        for pid in self.read_pids(".pid"):
            self.assertReaped(pid)
        for pid in self.read_pids(".child"):
            self.assertEnded(pid)


class Receiver(ExternalTestCase):
    def test_two_runs_at_once_do_not_mix(self):
        results = {}

        def run(name, *args):
            results[name] = harness.run(*args, env_extra=self.env())

        long_run = threading.Thread(target=run, args=("long", "--test-runner", fixture("env_report.py"), "m.C.t",
                                                       "-d", "2", "-u", "2"))
        long_run.start()
        time.sleep(0.7)
        run("short", "--test-runner", SAMPLE_COMMAND, HELLO, "--test-dir", SAMPLES, "--server-url", self.server.url,
            "-u", "3", "--hits", "4")
        long_run.join(timeout=60)
        short, long = results["short"], results["long"]
        self.assertRun(short, 0)
        self.assertRun(long, 0)
        self.assertEqual(short.field("Success"), 12)
        self.assertEqual(short.field("Hits"), 12)
        self.assertEqual(short.counter("hello"), 12)
        self.assertEqual(counters(short, "LOADS_"), {})
        self.assertIsNone(long.counter("hello"))
        self.assertEqual(long.field("Hits"), 0)
        self.assertGreater(long.field("Success"), 20)
        self.assertEqual(len(counters(long, "LOADS_RUN_ID=")), 1)
        self.assertEqual(long.counter("LOADS_TOTAL_USERS=2"), 2)

    def test_a_tcp_endpoint(self):
        port = free_port()
        r = self.run_external(fixture("env_report.py"), "m.C.t", "-u", "2", "--zmq-receiver",
                              f"tcp://127.0.0.1:{port}")
        self.assertRun(r, 0)
        self.assertEqual(r.counter(f"LOADS_ZMQ_RECEIVER=tcp://127.0.0.1:{port}"), 2)
        self.assertEqual(r.field("Success"), 2)

    def test_a_tcp_endpoint_on_any_port_gives_the_runners_the_real_one(self):
        r = self.run_external(fixture("env_report.py"), "m.C.t", "-u", "2", "--zmq-receiver", "tcp://127.0.0.1:*")
        self.assertRun(r, 0)
        [(name, n)] = counters(r, "LOADS_ZMQ_RECEIVER=").items()
        self.assertRegex(name, r"^LOADS_ZMQ_RECEIVER=tcp://127\.0\.0\.1:\d+$")
        self.assertEqual(n, 2)
        self.assertEqual(r.field("Success"), 2)

    def test_an_ipc_path(self):
        endpoint = f"ipc://{self.tmp}/mine.ipc"
        r = self.run_external(fixture("env_report.py"), "m.C.t", "--hits", "3", "--zmq-receiver", endpoint)
        self.assertRun(r, 0)
        self.assertEqual(r.counter(f"LOADS_ZMQ_RECEIVER={endpoint}"), 1)
        self.assertEqual(r.field("Success"), 3)

    def test_a_stale_ipc_socket_file_is_reused(self):
        path = os.path.join(self.tmp, "stale.ipc")
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path)  # closed without unlinking: a file nobody listens on
        r = self.run_external(fixture("env_report.py"), "m.C.t", "--zmq-receiver", f"ipc://{path}")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 1)

    def test_an_ipc_path_a_live_run_is_bound_to_is_refused(self):
        endpoint = f"ipc://{self.tmp}/busy.ipc"
        first = self.popen_external(fixture("env_report.py"), "m.C.t", "-d", "2", "--zmq-receiver", endpoint)
        try:
            time.sleep(0.7)
            second = self.run_external(fixture("env_report.py"), "m.C.t", "--zmq-receiver", endpoint, timeout=30)
            out, err = first.communicate(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.communicate()
        self.assertUsageError(second, endpoint)
        # The first run kept its endpoint: its runner's successes (one every 0.1 s) kept arriving.
        first_result = harness.Result(subprocess.CompletedProcess(first.args, first.returncode, out, err), 0)
        self.assertRun(first_result, 0)
        self.assertGreater(first_result.field("Success"), 10)


class BadInput(ExternalTestCase):
    def test_bad_commands_and_options_are_usage_errors(self):
        cases = [
            ("unterminated quote", [f"{PYTHON} 'x {{test}}", "m.C.t"]),
            ("trailing backslash", [f"{PYTHON} x\\", "m.C.t"]),
            ("no words", ["  \t ", "m.C.t"]),
            ("program not found", ["/nonexistent/loads-no-such-runner {test}", "m.C.t"]),
            ("program not on PATH", ["loads-no-such-runner-anywhere {test}", "m.C.t"]),
            ("not executable", [f"{os.path.join(FIXTURES, 'protocol.py')} {{test}}", "m.C.t"]),
            ("negative timeout", [fixture("env_report.py"), "m.C.t", "--external-process-timeout", "-1"]),
            ("zero timeout", [fixture("env_report.py"), "m.C.t", "--external-process-timeout", "0"]),
            ("no test name", [fixture("env_report.py")]),
            ("bad endpoint", [fixture("env_report.py"), "m.C.t", "--zmq-receiver", "nonsense://x"]),
        ]
        for what, args in cases:
            with self.subTest(what):
                started = time.monotonic()
                r = harness.run("--test-runner", *args, env_extra=self.env(), timeout=30)
                self.assertUsageError(r)
                self.assertLess(time.monotonic() - started, 5.0)
                self.assertEqual(self.log_dirs(), [], what)

    def test_the_messages_say_what_is_wrong(self):
        r = self.run_external("/nonexistent/loads-no-such-runner {test}", "m.C.t")
        self.assertUsageError(r, "/nonexistent/loads-no-such-runner")
        r = self.run_external(fixture("env_report.py"), "m.C.t", "--external-process-timeout", "-1")
        self.assertUsageError(r, "--external-process-timeout")
        r = self.run_external(fixture("env_report.py"), "m.C.t", "--zmq-receiver", "nonsense://x")
        self.assertUsageError(r, "nonsense://x")


if __name__ == "__main__":
    import unittest
    unittest.main()
