"""The broker's commands (--ping-broker, --purge-broker, --health-check) print what the original
printed; a second broker on the same frontend refuses to start; a missing broker is one line."""
import os
import re
import subprocess
import time

import cluster
import harness


class BrokerCommands(cluster.ClusterTestCase):
    agents = 3

    def test_ping_lists_pid_agents_endpoints_and_runs(self):
        out = self.cluster.ping().out
        pids = sorted(str(a.pid) for a in self.cluster.agents)
        host = os.uname().nodename
        e = self.cluster.endpoints
        expected = (
            f"Broker running on pid {self.cluster.broker.pid}\n"
            "3 agents registered\n" + "".join(f"  - {pid} on {host}\n" for pid in pids) +
            "endpoints:\n"
            f"  - backend: {e['backend']}\n  - frontend: {e['frontend']}\n  - heartbeat: {e['heartbeat']}\n"
            f"  - publisher: {e['publisher']}\n  - receiver: {e['receiver']}\n  - register: {e['register']}\n"
            "Nothing is running right now.\n")
        self.assertEqual(out, expected)

        detached = self.cluster.runner("cluster.Long.test_tick", "-d", "30", "--agents", "2", "--detach")
        self.assertRun(detached, 0)
        run_id = re.search(r"Run (\S+) is going on 2 agent\(s\)", detached.out).group(1)
        self.assertIn(f"We have 1 run(s) right now:\n  - {run_id} with 2 agent(s)\n", self.cluster.ping().out)

    def test_purge_stops_every_run(self):
        self.assertEqual(self.cluster.runner("--purge-broker").out, "Nothing to purge.\n")
        for _ in range(2):
            self.assertRun(self.cluster.runner("cluster.Long.test_tick", "-d", "60", "--agents", "1", "--detach"), 0)
        purge = self.cluster.runner("--purge-broker")
        self.assertRun(purge, 0)
        self.assertTrue(purge.out.startswith("We have 2 run(s) right now:\n"), purge.out)
        self.assertTrue(purge.out.endswith("Purged.\n"), purge.out)
        deadline = time.monotonic() + 30
        while "Nothing is running right now." not in self.cluster.ping().out:
            self.assertLess(time.monotonic(), deadline, self.cluster.broker_text())
            time.sleep(0.1)
        statuses = self.cluster.query("SELECT status FROM runs")
        self.assertEqual(statuses, [("stopped",), ("stopped",)])
        states = {s for (s,) in self.cluster.query("SELECT state FROM run_agents")}
        self.assertEqual(states, {"stopped"})

    def test_health_check_runs_the_empty_test_on_every_idle_agent(self):
        result = self.cluster.runner("--health-check")
        self.assertRun(result, 0)
        self.assertTrue(result.out.startswith("Running a health check on all 3 agents\n"), result.out)
        self.assertEqual(result.field("Success"), 3)
        self.assertEqual(result.counter("health-check"), 3)
        self.assertIn("\nAgents: 3 (3 finished)\n", result.out)
        self.assertIn("\nHealth check: 3 of 3 agents answered\n", result.out)
        answered = re.findall(r"^  - (\S+) on \S+: answered$", result.out, re.M)
        self.assertEqual(sorted(answered), sorted(f"{os.uname().nodename}-{a.pid}" for a in self.cluster.agents))

        # One agent busy: the check covers the two idle ones (under the original's name too).
        self.assertRun(self.cluster.runner("cluster.Long.test_tick", "-d", "60", "--agents", "1", "--detach"), 0)
        result = self.cluster.runner("--check-cluster")
        self.assertRun(result, 0)
        self.assertIn("Running a health check on all 2 agents\n", result.out)
        self.assertEqual(result.counter("health-check"), 2)

    def test_a_second_broker_on_the_same_frontend_refuses_to_start(self):
        second = subprocess.run(self.cluster.broker_command(), capture_output=True, text=True, timeout=60)
        self.assertEqual(second.returncode, 3, second)
        self.assertIn(f"a broker is already running on {self.cluster.frontend} (pid {self.cluster.broker.pid})",
                      second.stderr)
        self.assertEqual(self.cluster.registered(), 3)  # the first one is untouched
        check = subprocess.run([cluster.BROKER, "--frontend", self.cluster.frontend, "--check"],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(check.stdout, f"A broker is running. PID: {self.cluster.broker.pid}\n")


class NoCluster(harness.TestCase):
    def test_no_broker_is_one_line_and_exit_6(self):
        # No socket file: nobody to wait for.
        endpoint = f"ipc:///tmp/loads-nobody-{os.getpid()}.ipc"
        started = time.monotonic()
        for args in (["--ping-broker"], ["--purge-broker"], ["--health-check"], ["--attach"],
                     ["fixtures.Lifecycle.test_count", "--agents", "2"]):
            result = harness.run(*args, "--broker", endpoint)
            self.assertRun(result, 6)
            self.assertEqual(result.err, f"loads-runner: error: cannot reach the broker at {endpoint} "
                                         "(no broker runs there: its socket file does not exist)\n")
        self.assertLess(time.monotonic() - started, 20)
        # An address where nobody answers: the request's deadline.
        endpoint = f"tcp://127.0.0.1:{cluster.free_port()}"
        result = harness.run("--ping-broker", "--broker", endpoint)
        self.assertRun(result, 6)
        self.assertEqual(result.err, f"loads-runner: error: cannot reach the broker at {endpoint} "
                                     "(no answer within 5 s)\n")

    def test_no_agents(self):
        c = cluster.Cluster(agents=0)
        try:
            result = c.runner("--health-check")
            self.assertRun(result, 6)
            self.assertEqual(result.out, "No agents currently registered.\n")
            result = c.runner("--attach")
            self.assertRun(result, 6)
            self.assertIn("nothing is running on the broker at", result.err)
        finally:
            c.stop()

    def test_bad_options(self):
        for program, args in ((cluster.BROKER, ["--db", "redis"]), (cluster.BROKER, ["--db-sqlite-max-size", "0"]),
                              (cluster.AGENT, ["--max-upload", "-1"]), (cluster.BROKER, ["--nope"])):
            proc = subprocess.run([program, *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 2, proc)
            self.assertEqual(proc.stderr.count("\n"), 1, proc.stderr)
        for args in (["--python-dep", "requests", "fixtures.Lifecycle.test_count", "--agents", "1"],
                     ["fixtures.Lifecycle.test_count", "--detach"],
                     ["fixtures.Lifecycle.test_count", "--include-file", "x"]):
            result = harness.run(*args)
            self.assertRun(result, 2)
        self.assertIn("--python-dep has no meaning here", harness.run("--python-dep", "x", "a.B.c").err)
        for args, message in ((["a.B.c", "--agents", "0"], "--agents must be a number of agents from 1 to 10000"),
                              (["a.B.c", "-a", "-1"], "--agents must be a number of agents from 1 to 10000"),
                              (["--attach", "--detach"], "--attach and --detach cannot be used together"),
                              (["--attach", "-a", "2"], "--agents and --attach cannot be used together"),
                              (["--health-check", "--ping-broker"], "--health-check and --ping-broker cannot be"),
                              (["--attach", "a.B.c"], "--attach takes no test (a.B.c)"),
                              (["--ping-broker", "--include-file", "x"], "--ping-broker and --include-file")):
            result = harness.run(*args)
            self.assertRun(result, 2)
            self.assertIn(message, result.err)
            self.assertEqual(result.err.count("\n"), 1, result.err)

    def test_broker_that_cannot_bind_says_so(self):
        d = "/tmp/lc-no-such-dir-%d" % os.getpid()
        proc = subprocess.run([cluster.BROKER, "--frontend", f"ipc://{d}/front.ipc", "--db-sqlite-path",
                               f"/tmp/lc-db-{os.getpid()}.sqlite"], capture_output=True, text=True, timeout=30)
        try:
            self.assertEqual(proc.returncode, 3, proc)
            self.assertIn("cannot bind the frontend socket", proc.stderr)
        finally:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(f"/tmp/lc-db-{os.getpid()}.sqlite{suffix}")
                except FileNotFoundError:
                    pass
