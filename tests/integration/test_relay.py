"""Agent mode: a runner given --zmq-receiver pushes its figures as aggregates (one message about
every second and a final one) over real ZeroMQ, and they add up to exactly what it measured.
The messages are decoded here by an independent reading of the wire format (host/src/results/stats_codec.cpp)."""
import json
import os
import subprocess
import time

import zmq

import harness
from stats_wire import decode_stats


class Relay(harness.ServerTestCase):
    def setUp(self):
        self.context = zmq.Context()
        self.pull = self.context.socket(zmq.PULL)
        self.endpoint = f"ipc:///tmp/loads-relay-test-{os.getpid()}.ipc"
        self.pull.bind(self.endpoint)

    def tearDown(self):
        self.pull.close(0)
        self.context.term()
        try:
            os.unlink(self.endpoint[len("ipc://"):])
        except FileNotFoundError:
            pass

    def run_agent_mode(self, *args, endpoint=None):
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        return subprocess.Popen([harness.RUNNER, *args, "--zmq-receiver", endpoint or self.endpoint,
                                 "--run-id", "run-1", "--agent-id", "box-42"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def receive_run(self, proc, timeout=60):
        """Every message of the run, in order, until the final one."""
        messages = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pull.poll(200):
                kind, header, body = self.pull.recv_multipart()
                self.assertEqual(kind, b"loads-stats")
                messages.append((json.loads(header), decode_stats(body)))
                if messages[-1][0]["final"]:
                    return messages
            elif proc.poll() is not None and not self.pull.poll(500):
                break
        self.fail(f"no final message; got {len(messages)}; stderr: {proc.stderr.read()}")

    def test_counts_and_counters_add_up_exactly(self):
        proc = self.run_agent_mode("fixtures.Lifecycle.test_count", "-u", "3", "--hits", "4", "--quiet")
        messages = self.receive_run(proc)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        headers = [h for h, _ in messages]
        self.assertEqual([h["seq"] for h in headers], list(range(len(headers))))
        self.assertTrue(all(h["run_id"] == "run-1" and h["agent_id"] == "box-42" for h in headers))
        self.assertFalse(headers[-1]["interrupted"])
        total = lambda key: sum(stats[key] for _, stats in messages)
        self.assertEqual(total("tests_finished"), 12)
        self.assertEqual(total("successes"), 12)
        self.assertEqual(sum(stats["counters"].get("runs", 0) for _, stats in messages), 12)
        self.assertEqual(sum(stats["counters"].get("instances", 0) for _, stats in messages), 3)

    def test_a_timed_run_sends_every_second_and_the_hits_match_its_summary(self):
        proc = self.run_agent_mode("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-u", "3",
                                   "-d", "2.5")
        messages = self.receive_run(proc)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertGreaterEqual(len(messages), 3)  # two refreshes in 2.5 s, then the final one
        hits = sum(stats["hits"] for _, stats in messages)
        self.assertEqual(hits, harness.Result(subprocess.CompletedProcess([], 0, out, err), 0).field("Hits"))
        self.assertEqual(sum(stats["urls"].get(self.server.url + "/", 0) for _, stats in messages), hits)

    def test_nobody_listening_is_reported_not_hung(self):
        started = time.monotonic()
        proc = self.run_agent_mode("fixtures.Lifecycle.test_count", "--quiet",
                                   endpoint=f"ipc:///tmp/loads-relay-nobody-{os.getpid()}.ipc")
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 5, err)
        self.assertIn("the figures could not be sent to", err)
        self.assertLess(time.monotonic() - started, 30)

    def test_a_bad_endpoint_is_a_usage_error(self):
        proc = self.run_agent_mode("fixtures.Lifecycle.test_count", endpoint="nonsense://x")
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 2, err)
        self.assertIn("--zmq-receiver 'nonsense://x'", err)
