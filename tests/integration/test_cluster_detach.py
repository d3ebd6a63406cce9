"""Leaving and coming back to a distributed run: --detach then --attach to its end (live progress
and the final summary, the original 0.3 showed nothing), Ctrl-C then (s)top or (d)etach, and the
choice of run when several are active."""
import re
import signal
import time

import cluster
import harness
import stats_wire


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class DetachAttach(cluster.ClusterTestCase):
    agents = 2

    def detach(self, *args):
        result = self.cluster.runner(*args, "--detach")
        self.assertRun(result, 0)
        return re.search(r"Run (\S+) is going on", result.out).group(1)

    def ticks_stored(self, run_id):
        total = 0
        for (blob,) in self.cluster.query("SELECT stats FROM intervals WHERE run_id = ?", run_id):
            total += stats_wire.decode_stats(blob)["counters"].get("ticks", 0)
        return total

    def test_detach_then_attach_to_the_end(self):
        run_id = self.detach("cluster.Long.test_tick", "-d", "3", "-u", "2", "--agents", "2")
        self.assertIn(f"  - {run_id} with 2 agent(s)", self.cluster.ping().out)
        result = self.cluster.runner("--attach")  # the only run: no need to name it
        self.assertRun(result, 0)
        self.assertIn(f"Attached to run {run_id} (cluster.Long.test_tick on 2 agent(s))", result.out)
        ticks = result.counter("ticks")
        self.assertEqual(result.field("Success"), ticks)
        self.assertEqual(ticks, self.ticks_stored(run_id))
        self.assertGreater(ticks, 2 * 2 * 10)  # 2 agents x 2 users x ~10 ticks a second x 3 s, loosely
        # Attaching to it again, now that it is over, shows the same figures from the database.
        again = self.cluster.runner("--attach", "--run-id", run_id)
        self.assertRun(again, 0)
        self.assertIn(f"Run {run_id} is over (completed).", again.out)
        self.assertEqual(again.counter("ticks"), ticks)

    def test_attach_shows_live_progress_on_a_terminal(self):
        run_id = self.detach("cluster.Long.test_tick", "-d", "3", "--agents", "1")
        rc, out = harness.run_on_terminal("--attach", "--run-id", run_id, "--broker", self.cluster.frontend)
        self.assertEqual(rc, 0, out)
        percents = [int(p) for p in re.findall(r"\] +(\d+)%", out)]
        self.assertTrue(any(0 < p < 100 for p in percents), percents)  # drawn while the run went on
        self.assertEqual(percents, sorted(percents))
        self.assertIn("Success:", out)

    def interrupted_runner(self, *answers, sig=signal.SIGINT):
        proc = self.cluster.popen_runner("cluster.Long.test_tick", "-d", "30", "--agents", "2")
        wait_until(lambda: self.cluster.broker_text().count("started its loads-runner") >= 2, 30, "the run")
        time.sleep(1.5)
        proc.send_signal(sig)
        out, err = proc.communicate("".join(a + "\n" for a in answers), timeout=60)
        return proc.returncode, out, err

    def test_ctrl_c_then_detach_leaves_the_run_going(self):
        rc, out, err = self.interrupted_runner("d")
        self.assertEqual(rc, 0, err)
        summary_at = out.index("Success:")
        question_at = out.index("Do you want to (s)top the test or (d)etach ? ")
        self.assertLess(summary_at, question_at)  # the summary so far, then the question
        run_id = re.search(r"Detached\. Re-attach with: loads-runner --attach --run-id (\S+)", out).group(1)
        self.assertIn(f"  - {run_id} with 2 agent(s)", self.cluster.ping().out)
        stop = self.cluster.runner("--purge-broker")
        self.assertIn("Purged.", stop.out)

    def test_ctrl_c_then_stop_stops_the_run_on_its_agents(self):
        rc, out, err = self.interrupted_runner("maybe", "s")
        self.assertEqual(rc, 130, err)
        self.assertEqual(out.count("Do you want to (s)top the test or (d)etach ? "), 2)  # asked again
        run_id = re.search(r"Stopped run (\S+); its final figures: loads-runner --attach --run-id \1", out).group(1)
        wait_until(lambda: self.cluster.query("SELECT status FROM runs WHERE ended IS NOT NULL"), 30, "the end")
        self.assertEqual(self.cluster.query("SELECT status FROM runs WHERE run_id = ?", run_id), [("stopped",)])
        self.assertIn("Nothing is running right now.", self.cluster.ping().out)

    def test_with_several_runs_the_run_must_be_chosen(self):
        first = self.detach("cluster.Long.test_tick", "-d", "30", "--agents", "1")
        second = self.detach("cluster.Long.test_tick", "-d", "30", "--agents", "1")
        result = self.cluster.runner("--attach")
        self.assertRun(result, 2)
        self.assertIn("2 runs are active: choose one with --run-id (", result.err)
        self.assertIn(first, result.err)
        self.assertIn(second, result.err)
        result = self.cluster.runner("--attach", "--run-id", "no-such-run")
        self.assertRun(result, 6)
        self.assertIn("no run no-such-run on this broker", result.err)
        self.cluster.runner("--purge-broker")

    def test_on_a_terminal_the_run_is_chosen_from_a_list(self):
        first = self.detach("cluster.Long.test_tick", "-d", "4", "--agents", "1")
        second = self.detach("cluster.Long.test_tick", "-d", "4", "--agents", "1")
        ids = sorted([first, second])
        rc, text = harness.run_on_terminal("--attach", "--broker", self.cluster.frontend, "--output-stdout-progress",
                                           "false", stdin_terminal=True, answers=[("Which one? [1-2] ", "2\n")])
        self.assertEqual(rc, 0, text)
        self.assertIn("2 runs are active:", text)
        self.assertIn(f"  1. {ids[0]}: cluster.Long.test_tick on 1 agent(s)", text)
        self.assertIn(f"  2. {ids[1]}: cluster.Long.test_tick on 1 agent(s)", text)
        self.assertIn(f"Attached to run {ids[1]}", text)
        self.assertIn("Success:", text)

    def test_stopping_a_run_stops_only_its_own_agents_runners(self):
        import zmq
        keep = self.detach("cluster.Long.test_tick", "-d", "30", "--agents", "1")
        stop = self.detach("cluster.Long.test_tick", "-d", "30", "--agents", "1")
        wait_until(lambda: self.cluster.broker_text().count("started its loads-runner") >= 2, 30, "both runs")
        context = zmq.Context()
        req = context.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(self.cluster.frontend)
        req.send_json({"command": "CTRL_STOP_RUN", "run_id": stop})
        self.assertTrue(req.poll(10000))
        self.assertEqual(len(req.recv_json()["result"]), 1)
        req.close()
        context.term()
        wait_until(lambda: self.cluster.query("SELECT 1 FROM runs WHERE run_id = ? AND ended IS NOT NULL", stop),
                   30, "the stopped run to end")
        time.sleep(1.0)
        self.assertEqual(self.cluster.query("SELECT status, ended FROM runs WHERE run_id = ?", keep), [("running", None)])
        self.assertIn(f"  - {keep} with 1 agent(s)", self.cluster.ping().out)
        self.assertEqual(self.cluster.broker_text().count("stopping its loads-runner"), 0)  # (the agents' logs say it)
        logs = [open(a.log_path).read() for a in self.cluster.agents]
        self.assertEqual(sum(f"run {stop}: stopping its loads-runner" in text for text in logs), 1)
        self.assertEqual(sum(f"run {keep}: stopping" in text for text in logs), 0)
        self.cluster.runner("--purge-broker")

    def test_sigterm_asks_nothing_and_leaves_the_run_going(self):
        started = time.monotonic()
        rc, out, err = self.interrupted_runner(sig=signal.SIGTERM)  # stdin stays open: nothing is read
        self.assertEqual(rc, 130, err)
        self.assertLess(time.monotonic() - started, 30)
        self.assertNotIn("Do you want to", out)
        self.assertIn("Success:", out)  # the summary so far
        run_id = re.search(r"terminated: run (\S+) goes on; loads-runner --attach --run-id \1", err).group(1)
        self.assertIn(f"  - {run_id} with 2 agent(s)", self.cluster.ping().out)
        self.cluster.runner("--purge-broker")

    def test_quiet_attach_writes_only_the_report_on_stdout(self):
        import json
        run_id = self.detach("fixtures.Lifecycle.test_count", "-u", "2", "--hits", "3", "--agents", "2")
        result = self.cluster.runner("--attach", "--run-id", run_id, "--quiet", "--output", "json",
                                     "--output-json-filename", "-")
        self.assertRun(result, 0)
        doc = json.loads(result.out)
        self.assertEqual(doc["counters"]["runs"], 12)
        self.assertEqual(len(doc["agents"]), 2)
        self.assertTrue(all(a["state"] == "finished" for a in doc["agents"]))
