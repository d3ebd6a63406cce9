"""Load profiles and thresholds on a real cluster (loads-broker, two loads-agent, ZeroMQ over ipc): the rate
is shared out so the merged stream stays even, every agent follows the stages on the broker's clock,
thresholds are judged on the merged figures (and stop the run), and an agent lost makes them partial."""
import json
import os
import re
import statistics
import subprocess

import cluster
import harness
import stats_wire
from cluster import agent_id, wait_until
from profiles import users_out_of_shape, users_per_window

RATE = 200 if harness.SANITIZER else 400


class SharedOut(cluster.ClusterTestCase):
    agents = 2

    def setUp(self):
        super().setUp()
        self.nginx = harness.Nginx()
        self.report = os.path.join(self.cluster.dir, "report.json")

    def tearDown(self):
        self.nginx.stop()
        super().tearDown()

    def agent_hits(self):
        """Hits per agent, as the broker stored their figures."""
        hits = {}
        for agent, blob in self.cluster.query("SELECT agent_id, stats FROM intervals"):
            hits[agent] = hits.get(agent, 0) + stats_wire.decode_stats(blob)["hits"]
        return hits

    def test_the_rate_is_shared_out_and_the_merged_stream_stays_even(self):
        r = self.cluster.runner("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", str(RATE),
                                "-d", "3", "-u", "10", "--agents", "2", "--output", "json",
                                "--output-json-filename", self.report)
        self.assertRun(r, 0)
        self.assertIn(f"Target rate: {RATE}.00/s", r.out)
        self.assertEqual(r.field("Hits"), RATE * 3, "the run's rate in all, not per agent")
        self.assertEqual(r.field("Dropped arrivals"), 0)
        self.assertEqual(sorted(self.agent_hits().values()), [RATE * 3 // 2] * 2, "each agent its half")
        duration = float(re.search(r"^Duration: ([\d.]+) seconds$", r.out, re.M).group(1))
        self.assertLess(duration, 3 + 1.5, "the load's time, without the agents' wait for the shared start")
        self.assertGreaterEqual(duration, 3)
        times = sorted(self.nginx.request_times())
        self.assertEqual(len(times), RATE * 3)
        # Interleaved on one clock, the merged gaps are all about 1/R; two agents on clocks of their
        # own would pair up their requests (gaps of δ and 2/R − δ) and halve the median gap.
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertGreaterEqual(statistics.median(gaps), 0.6 / RATE, f"median gap {statistics.median(gaps)}")
        with open(self.report) as f:
            self.assertEqual(json.load(f)["plan"]["rate"], RATE)

    def test_every_agent_follows_the_stages_on_one_clock(self):
        stages = [(1, 4), (1, 4), (1, 0)]
        r = self.cluster.runner("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--stages",
                                "1s:4,1s:4,1s:0", "--agents", "2", "--output", "json", "--output-json-filename",
                                self.report)
        self.assertRun(r, 0)
        self.assertEqual(r.counter("users"), 8, "each agent ran the stages' users")
        self.assertIn("User stages: 1s:4, 1s:4, 1s:0 (peak 4 users)", r.out)
        requests = self.nginx.requests()
        # The stages' clock is the broker's start plus its lead; read off the first request, due
        # when the first ramp asks for one user (a quarter of a second in).
        origin = min(t for t, _ in requests) - 0.25
        seen = users_per_window(requests, origin, 0.25, 12)
        self.assertEqual(users_out_of_shape(stages, seen, 0.25, scale=2), [], f"users per window: {seen}")
        self.assertEqual(max(seen), 8)

    def test_thresholds_are_judged_on_the_merged_figures(self):
        # Each agent makes 100 hits: only the merged figures reach 150.
        r = self.cluster.runner("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", "100",
                                "-d", "2", "-u", "4", "--agents", "2", "--threshold", "hits>=150",
                                "--threshold", "hits<=250", "--threshold", "p99<1us", "--output", "json",
                                "--output-json-filename", self.report)
        self.assertRun(r, 7)
        self.assertIn("Thresholds: 1 of 3 crossed\n", r.out)
        self.assertRegex(r.out, r"✓ hits>=150 +measured 200, limit >= 150")
        self.assertIn("loads-runner: 1 of 3 thresholds crossed: p99<1us", r.err)
        with open(self.report) as f:
            verdicts = json.load(f)["thresholds"]
        self.assertEqual([(t["expression"], t["passed"], t["partial"]) for t in verdicts],
                         [("hits>=150", True, False), ("hits<=250", True, False), ("p99<1us", False, False)])

    def test_an_aborting_threshold_stops_the_distributed_run(self):
        r = self.cluster.runner("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", "50",
                                "-d", "60", "-u", "2", "--agents", "2", "--threshold", "max<1us!",
                                "--threshold-grace", "1", timeout=60)
        self.assertRun(r, 7)
        self.assertLess(r.elapsed, 20, "stopped long before its 60 s")
        self.assertRegex(r.err, r"loads-runner: threshold max<1us! crossed \([\d.]+ \w+\): the run was stopped")
        self.assertNotIn("(s)top", r.out, "no question asked: the threshold stopped it")
        # Asked to stop, the broker ends the run once its agents have stopped theirs.
        wait_until(lambda: self.cluster.query("SELECT status FROM runs") == [("stopped",)], 30, "the run stopped")

    def test_the_live_line_shows_the_stage_and_the_merged_rate(self):
        rc, screen = harness.run_on_terminal("fixtures.Arrivals.test_get", "--server-url", self.nginx.url,
                                             "--stages", "1s:2,3s:2", "--agents", "2", "--broker",
                                             self.cluster.frontend)
        self.assertEqual(rc, 0, screen)
        self.assertRegex(screen, r"stage 2/2, target 4 users", "the stage, and the users asked of both agents")
        rc, screen = harness.run_on_terminal("fixtures.Arrivals.test_get", "--server-url", self.nginx.url,
                                             "--rate-stages", "1s:40,3s:40", "-u", "4", "--agents", "2", "--broker",
                                             self.cluster.frontend)
        self.assertEqual(rc, 0, screen)
        self.assertRegex(screen, r"stage 2/2, (?!0\.0/s)\d+\.\d/s of 40\.0/s, dropped 0")

    def test_a_scoped_threshold_must_name_the_runs_test(self):
        r = self.cluster.runner("fixtures.Arrivals.test_get", "--rate", "10", "-d", "1", "--agents", "2",
                                "--threshold", "test_other:p99<1s")
        self.assertRun(r, 2)
        self.assertIn("the run has no test 'test_other' (it runs test_get)", r.err)


class PartialFigures(cluster.ClusterTestCase):
    agents = 2

    def test_thresholds_after_an_agent_is_lost_say_they_saw_part_of_the_run(self):
        runner = self.cluster.popen_runner("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url,
                                           "-d", "6", "-u", "2", "--agents", "2", "--threshold", "hits>=1")
        victim = self.cluster.agents[0]
        victim_id = agent_id(victim)

        def stored_hits():
            blobs = self.cluster.query("SELECT stats FROM intervals WHERE agent_id = ?", victim_id)
            return sum(stats_wire.decode_stats(blob)["hits"] for (blob,) in blobs)

        wait_until(lambda: stored_hits() > 0, 30, "the victim's first hits at the broker")
        victim.kill()
        out, err = runner.communicate(timeout=120)
        r = harness.Result(subprocess.CompletedProcess(runner.args, runner.returncode, out, err), 0)
        self.assertRun(r, 6)  # the cluster's failure outranks the verdicts
        self.assertIn("Thresholds: 0 of 1 crossed (judged on partial figures: an agent did not finish)", r.out)
        self.assertIn("ended partial: 1 of 2 agent(s) did not finish", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
