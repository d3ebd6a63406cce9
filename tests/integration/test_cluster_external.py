"""External runners (--test-runner) over a real cluster of two agents: the Python sample and the
fixture runners are shipped with --include-file; each agent's runner starts them and forwards what
they report, and the totals are exact."""
import glob
import os
import re
import shutil
import sys
import tempfile

import cluster
import harness

PYTHON = "/usr/bin/python3"
SAMPLES = os.path.join(harness.env_path("LOADS_SOURCE_DIR"), "samples", "external")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "external")

sys.path.insert(0, FIXTURES)
import malformed  # noqa: E402  (BAD_COUNT; the fixture's socket code only runs as a script)


def counters(result, prefix):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(rf"^- ({re.escape(prefix)}.*) : (\d+)$", result.out, re.M)}


class ExternalOnAgents(cluster.ClusterTestCase):
    agents = 2

    def setUp(self):
        # The agents (and so their runners) get a TMPDIR of this test's: the runners' private
        # directories go there, to be checked and removed.
        self.tmp = tempfile.mkdtemp(prefix="lxc-", dir="/tmp")
        self.saved_tmpdir = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = self.tmp
        try:
            super().setUp()
        finally:
            self.restore_tmpdir()

    def restore_tmpdir(self):
        if self.saved_tmpdir is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = self.saved_tmpdir

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def logs(self):
        """The processes' logs: in each agent's run directory, beside its loads-runner.log. The
        runners' private directories in TMPDIR (the ipc sockets) are gone by then."""
        self.assertEqual(glob.glob(os.path.join(self.tmp, "loads-external-*")), [])
        return sorted(glob.glob(os.path.join(self.cluster.work, "*", "*", "external-logs", "*.log")))

    def fixture_run(self, command, *args):
        """The fixture runner that `command` starts (its first word), shipped to both agents with
        protocol.py."""
        name = command.split()[0]
        return self.cluster.runner("--test-runner", f"{PYTHON} {command}", "m.C.t", "--agents", "2",
                                   "--include-file", name, "--include-file", "protocol.py", *args, cwd=FIXTURES)

    def test_the_sample_through_two_agents_has_exact_counts(self):
        result = self.cluster.runner("--test-runner", f"{PYTHON} loads_external.py {{test}}",
                                     "sample_tests.TestSample.test_hello", "--server-url", self.server.url,
                                     "--agents", "2", "-u", "2:3", "--hits", "2",
                                     "--include-file", "loads_external.py", "--include-file", "sample_tests.py",
                                     cwd=SAMPLES)
        # Each agent runs the whole plan: 2 agents x (2 + 3 users) x 2 hits.
        self.assertRun(result, 0)
        self.assertEqual(result.field("Success"), 20)
        self.assertEqual(result.field("Hits"), 20)
        self.assertEqual(result.field("Errors"), 0)
        self.assertEqual(result.field("Failures"), 0)
        self.assertEqual(result.counter("hello"), 20)
        self.assertIn(f"- {self.server.url}/", result.out)
        self.assertEqual(self.logs(), [])

    def test_the_agents_ids_and_the_run_id_reach_the_runners(self):
        result = self.fixture_run("env_report.py", "-u", "2", "--hits", "1")
        self.assertRun(result, 0)
        self.assertEqual(result.field("Success"), 4)
        [(run_id,)] = self.cluster.query("SELECT run_id FROM runs")
        agent_ids = {agent for (agent,) in self.cluster.query("SELECT agent_id FROM run_agents")}
        self.assertEqual(len(agent_ids), 2)
        self.assertEqual(counters(result, "LOADS_RUN_ID="), {f"LOADS_RUN_ID={run_id}": 4})
        self.assertEqual(counters(result, "LOADS_AGENT_ID="), {f"LOADS_AGENT_ID={a}": 2 for a in agent_ids})
        self.assertEqual(result.counter("LOADS_TOTAL_USERS=2"), 4)
        self.assertEqual(result.counter("LOADS_TOTAL_HITS=1"), 4)

    def test_a_crashing_runner_counts_its_errors(self):
        result = self.fixture_run("crash.py exit3", "-u", "2", "--hits", "2")
        # 2 agents x 2 users, each reporting 2 successes and then exiting with status 3.
        self.assertRun(result, 1)
        self.assertEqual(result.field("Success"), 8)
        self.assertEqual(result.counter("before-crash"), 4)
        self.assertEqual(result.field("Errors"), 4)
        self.assertIn("ExternalRunner: exited with status 3", result.err)
        self.assertTrue(all(agent.poll() is None for agent in self.cluster.agents))
        # Each agent's runner kept each process's output: 2 agents x 2 users.
        logs = self.logs()
        self.assertEqual(len(logs), 4, logs)
        for log in logs:
            with open(log) as f:
                self.assertIn("crash.py: about to crash (exit3)", f.read())

    def test_malformed_messages_are_counted_on_the_agents(self):
        result = self.fixture_run("malformed.py", "-u", "2", "--hits", "2")
        self.assertRun(result, 0)
        self.assertEqual(result.field("Malformed messages"), 2 * 2 * malformed.BAD_COUNT)
        self.assertEqual(result.field("Success"), 8)
        self.assertEqual(result.counter("extra-keys"), 4)
        self.assertEqual(counters(result, "bad"), {})


if __name__ == "__main__":
    import unittest
    unittest.main()
