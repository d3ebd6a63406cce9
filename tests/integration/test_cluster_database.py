"""The broker's run database: everything a run leaves behind (options, agents, per-second
aggregates, counters, error groups with an example each, final status), the size limit that
prunes the oldest runs, the observers' call point, and a run configured from a file."""
import json
import os
import re
import time

import cluster
import harness


class RunDatabase(cluster.ClusterTestCase):
    agents = 2

    def test_a_finished_run_is_stored_whole(self):
        result = self.cluster.runner("cluster.Spread.test_mixed", "--server-url", self.server.url, "-u", "2",
                                     "--hits", "3", "--agents", "2", "--observer", "recorder", "--observer", "crasher")
        self.assertRun(result, 1)
        [(run_id, fqn, options, observers, started, ended, status)] = self.cluster.query(
            "SELECT run_id, fqn, options_json, observers, started, ended, status FROM runs")
        self.assertEqual(fqn, "cluster.Spread.test_mixed")
        options = json.loads(options)
        self.assertEqual((options["users"], options["hits"], options["agents"]), ("2", "3", "2"))
        self.assertEqual(options["server-url"], self.server.url)
        self.assertEqual(json.loads(observers), ["recorder", "crasher"])
        self.assertLess(started, ended)
        self.assertEqual(status, "completed")
        self.assertEqual(self.cluster.query("SELECT name, value FROM counters WHERE run_id = ?", run_id),
                         [("spread", 12)])
        groups = self.cluster.query("SELECT kind, message, location, count FROM problem_groups WHERE run_id = ?",
                                    run_id)
        self.assertEqual(len(groups), 1)
        kind, message, location, count = groups[0]
        self.assertEqual((kind, message, count), ("failure", "the second test of user 0 fails on purpose", 2))
        self.assertRegex(location, r"cluster\.cpp:\d+$")
        self.assertGreaterEqual(self.cluster.query("SELECT COUNT(*) FROM intervals WHERE run_id = ?", run_id)[0][0], 2)
        # The run's real figures in the log, then the observers that were asked for: this broker
        # has no --observer-path, so it cannot find these test observers, and says so.
        log = self.cluster.broker_text()
        self.assertRegex(log, rf"run {run_id} ended: Test over\. Ran 12 tests in [\d.]+ s\. 24 hits, [\d.]+ RPS\. "
                              r"2 failures, 0 errors, p50 [\d.]+ ms, p99 [\d.]+ ms\. Run \S+: completed\.")
        for name in ("recorder", "crasher"):
            self.cluster.wait_for_log(self.cluster.broker_log,
                                      f"run {run_id}: observer '{name}' failed: unknown observer '{name}'")

    def test_the_size_limit_prunes_the_oldest_runs(self):
        self.cluster.stop()
        self.cluster = cluster.Cluster(agents=2, broker_args=["--db-sqlite-max-size", "0.00006"])
        ids = []
        for _ in range(6):
            result = self.cluster.runner("cluster.Spread.test_mixed", "--server-url", self.server.url, "-u", "3",
                                         "--hits", "4", "--agents", "2")
            self.assertRun(result, 1)
            ids.append(self.cluster.query("SELECT run_id FROM runs ORDER BY started DESC LIMIT 1")[0][0])
        kept = [r for (r,) in self.cluster.query("SELECT run_id FROM runs ORDER BY started")]
        self.assertIn(ids[-1], kept)
        self.assertNotIn(ids[0], kept)
        self.assertEqual(kept, ids[len(ids) - len(kept):])  # the oldest went first
        self.assertIn(f"database over its size limit: run {ids[0]} deleted", self.cluster.broker_text())
        # Nothing of a deleted run is left behind.
        self.assertEqual(self.cluster.query("SELECT COUNT(*) FROM intervals WHERE run_id = ?", ids[0]), [(0,)])
        size = self.cluster.query("SELECT (SELECT page_count FROM pragma_page_count()) - "
                                  "(SELECT freelist_count FROM pragma_freelist_count())")[0][0] * 4096
        self.assertLess(size, 60000 + 40000)  # the limit, give or take the run that just ended

    def test_a_distributed_run_from_a_config_file(self):
        config = os.path.join(self.cluster.dir, "run.ini")
        with open(config, "w") as f:
            f.write(f"[loads]\nfqn = fixtures.Lifecycle.test_count\nagents = 2\nusers = 3\nhits = 2\n"
                    f"broker = {self.cluster.frontend}\nobserver = recorder\n    crasher\ndetach = True\n")
        result = harness.run("--config", config)
        self.assertRun(result, 0)
        run_id = re.search(r"Run (\S+) is going on 2 agent\(s\)", result.out).group(1)
        deadline = time.monotonic() + 30
        while not self.cluster.query("SELECT 1 FROM runs WHERE run_id = ? AND ended IS NOT NULL", run_id):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)
        self.assertEqual(self.cluster.query("SELECT name, value FROM counters WHERE run_id = ? AND name = 'runs'",
                                            run_id), [("runs", 12)])
        self.assertEqual(json.loads(self.cluster.query("SELECT observers FROM runs")[0][0]), ["recorder", "crasher"])

    def test_an_unusable_database_stops_the_broker_at_once(self):
        path = os.path.join(self.cluster.dir, "not-a-db.sqlite")
        with open(path, "wb") as f:
            f.write(b"this is not SQLite" * 100)
        endpoints = {n: f"ipc://{self.cluster.dir}/other-{n}.ipc" for n in cluster.Cluster.NAMES}
        args = [cluster.BROKER]
        for n in cluster.Cluster.NAMES:
            args += [f"--{n}", endpoints[n]]
        import subprocess
        proc = subprocess.run([*args, "--db-sqlite-path", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 3, proc)
        self.assertIn("not-a-db.sqlite", proc.stderr)
        self.assertEqual(proc.stderr.count("\n"), 1)
