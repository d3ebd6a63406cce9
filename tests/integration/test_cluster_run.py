"""Distributed runs on a real cluster (loads-broker, three loads-agent, real ZeroMQ over ipc and
tcp): exact totals and counters, percentiles equal to an independent merge of what the agents
sent, errors from agents reaching the runner, a crashing plugin, runs that must not mix."""
import json
import os
import tempfile
import threading

import cluster
import harness
import stats_wire


class DistributedRun(cluster.ClusterTestCase):
    agents = 3

    def test_totals_counters_and_percentiles_are_exact(self):
        report = os.path.join(self.cluster.dir, "report.json")
        result = self.cluster.runner("cluster.Spread.test_mixed", "--server-url", self.server.url, "-u", "4",
                                     "--hits", "5", "--agents", "3", "--output", "json",
                                     "--output-json-filename", report)
        # Every agent runs the whole plan: 3 agents x 4 users x 5 hits, two GETs each; user 0's
        # second test fails on every agent.
        self.assertRun(result, 1)
        self.assertEqual(result.field("Success"), 57, result)
        self.assertEqual(result.field("Failures"), 3)
        self.assertEqual(result.field("Errors"), 0)
        self.assertEqual(result.field("Hits"), 120)
        self.assertEqual(result.counter("spread"), 60)
        self.assertIn("the second test of user 0 fails on purpose", result.err)

        with open(report) as f:
            doc = json.load(f)
        self.assertEqual(doc["plan"]["agents"], 3)
        self.assertEqual(doc["counters"], {"spread": 60})
        self.assertEqual(doc["latency"]["count"], 120)

        # The database: the run, its three agents finished, and the per-second aggregates each
        # agent sent; merged here independently, they give the runner's percentiles exactly.
        [(run_id, status, options)] = self.cluster.query("SELECT run_id, status, options_json FROM runs")
        self.assertEqual(status, "completed")
        self.assertEqual(json.loads(options)["users"], "4")
        agents = self.cluster.query("SELECT agent_id, state FROM run_agents WHERE run_id = ?", run_id)
        self.assertEqual(len(agents), 3)
        self.assertTrue(all(state == "finished" for _, state in agents), agents)
        blobs = self.cluster.query("SELECT agent_id, stats FROM intervals WHERE run_id = ?", run_id)
        decoded = [stats_wire.decode_stats(blob) for _, blob in blobs]
        self.assertEqual({agent for agent, _ in blobs}, {agent for agent, _ in agents})
        self.assertEqual(sum(d["hits"] for d in decoded), 120)
        self.assertEqual(sum(d["counters"].get("spread", 0) for d in decoded), 60)
        merged = stats_wire.merge_histograms(d["latency"] for d in decoded)
        for key, p in (("p50_ms", 50), ("p90_ms", 90), ("p95_ms", 95), ("p99_ms", 99), ("max_ms", 100)):
            self.assertEqual(round(doc["latency"][key] * 1000), stats_wire.value_at_percentile(merged, p), key)
        self.assertEqual(round(doc["latency"]["min_ms"] * 1000), merged["min"])
        # The per-agent histograms really differ: a merge that only added counts would show it.
        self.assertGreater(len(merged["buckets"]), 3)

    def test_not_enough_agents_names_asked_and_available(self):
        result = self.cluster.runner("fixtures.Lifecycle.test_count", "--agents", "4")
        self.assertRun(result, 6)
        self.assertIn("not enough agents: asked 4, 3 available (3 registered, 0 busy)", result.err)
        self.assertEqual(result.err.count("\n"), result.err.count("loads-runner:"))  # one-line errors

    def test_an_agent_that_cannot_run_the_test_says_why(self):
        result = self.cluster.runner("nosuchmodule.Class.test_x", "--agents", "2")
        self.assertRun(result, 6)
        self.assertIn("module 'nosuchmodule' is not on this machine", result.err)
        self.assertIn("ended failed: 2 of 2 agent(s) did not finish", result.err)
        self.assertRegex(result.err, r"exited with status 2: loads-runner: error: .*nosuchmodule")
        self.assertEqual(result.field("Success"), 0)

    def test_a_crashing_plugin_kills_only_its_runner_not_the_agent(self):
        result = self.cluster.runner("cluster.Crash.test_segfault", "--agents", "1")
        self.assertRun(result, 6)
        self.assertRegex(result.err, r"(killed by signal 11|exited with status)")
        self.assertTrue(all(agent.poll() is None for agent in self.cluster.agents))
        self.assertEqual(self.cluster.registered(), 3)
        again = self.cluster.runner("fixtures.Lifecycle.test_count", "--agents", "3", "-u", "2")
        self.assertRun(again, 0)
        self.assertEqual(again.field("Success"), 6)

    def test_concurrent_runs_do_not_mix(self):
        results = {}

        def run(name, *args):
            results[name] = self.cluster.runner(*args)

        long_run = threading.Thread(target=run, args=("long", "cluster.Long.test_tick", "-d", "3", "--agents", "2"))
        long_run.start()
        self.cluster.wait_for_log(self.cluster.broker_log, "started on 2 agent(s)")
        run("short", "fixtures.Lifecycle.test_count", "-u", "2", "--hits", "3", "--agents", "1")
        long_run.join(timeout=120)
        self.assertRun(results["short"], 0)
        self.assertRun(results["long"], 0)
        self.assertEqual(results["short"].field("Success"), 6)
        self.assertEqual(results["short"].counter("runs"), 6)
        self.assertIsNone(results["short"].counter("ticks"))
        self.assertIsNone(results["long"].counter("runs"))
        self.assertEqual(results["long"].counter("ticks"), results["long"].field("Success"))

    def test_the_module_is_shipped_so_agents_need_nothing_installed(self):
        # The agents of this cluster search LOADS_PATH=the fixtures; a copy of the plugin under
        # another name exists only on the runner's side.
        lib = tempfile.mkdtemp(prefix="lc-lib-")
        try:
            with open(os.path.join(harness.FIXTURE_DIR, "libfixtures.so"), "rb") as src:
                data = src.read()
            os.makedirs(os.path.join(lib, "pkg"))
            with open(os.path.join(lib, "pkg", "libshipped.so"), "wb") as dst:
                dst.write(data)
            result = self.cluster.runner("pkg.shipped.Lifecycle.test_count", "--agents", "2", "--hits", "2",
                                         lib_dirs=(harness.LIB_DIR, lib))
            self.assertRun(result, 0)
            self.assertEqual(result.counter("runs"), 4)
            shipped = [os.path.join(d, "pkg", "libshipped.so") for d, _, files in os.walk(self.cluster.work)
                       if "pkg" in os.listdir(d)]
            self.assertEqual(len(shipped), 2)
        finally:
            import shutil
            shutil.rmtree(lib)


class DistributedRunOverTcp(cluster.ClusterTestCase):
    agents = 2
    transport = "tcp"

    def test_a_run_over_tcp(self):
        result = self.cluster.runner("cluster.Spread.test_mixed", "--server-url", self.server.url, "-u", "2",
                                     "--hits", "3", "--agents", "2")
        self.assertRun(result, 1)
        self.assertEqual(result.field("Hits"), 24)
        self.assertEqual(result.counter("spread"), 12)
        self.assertEqual(result.field("Failures"), 2)
        self.assertTrue(self.cluster.frontend.startswith("tcp://127.0.0.1:"))
