"""Faults a cluster must survive: an agent killed with kill -9 mid-run (noticed within three beats,
the run finishes with the others, what it sent stays counted), every agent gone, a broker
restart (stored runs kept, agents back), a runner that disappears, and malformed messages on
every socket of the broker and of an agent."""
import json
import os
import signal
import subprocess
import time

import zmq

import cluster
import harness
import stats_wire
from cluster import agent_id, wait_until


def runner_pids(agent):
    """Pids of the loads-runner children started by that agent (their --agent-id names it)."""
    out = subprocess.run(["pgrep", "-f", "--", f"--agent-id={agent}"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class AgentLoss(cluster.ClusterTestCase):
    agents = 3

    def started_runners(self, n):
        return wait_until(lambda: self.cluster.broker_text().count("started its loads-runner") >= n, 30,
                          f"{n} runners to start")

    def stored(self, agent, field, name=None):
        """What the broker has stored from that agent so far: a total (hits), or a counter's value."""
        blobs = self.cluster.query("SELECT stats FROM intervals WHERE agent_id = ?", agent)
        stats = [stats_wire.decode_stats(blob) for (blob,) in blobs]
        return sum(s[field].get(name, 0) if name else s[field] for s in stats)

    def test_an_agent_killed_mid_run_is_dropped_and_its_figures_kept(self):
        runner = self.cluster.popen_runner("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url,
                                           "-d", "6", "-u", "2", "--agents", "3")
        self.started_runners(3)
        victim = self.cluster.agents[0]
        victim_id = agent_id(victim)
        # Killed once the broker holds hits from it: a fixed sleep raced the victim's first interval
        # on a loaded machine, and then it had nothing to keep.
        wait_until(lambda: self.stored(victim_id, "hits") > 0, 30, "the victim's first hits at the broker")
        killed_at = time.time()
        victim.kill()
        out, err = runner.communicate(timeout=120)
        result = harness.Result(subprocess.CompletedProcess(runner.args, runner.returncode, out, err), 0)
        self.assertRun(result, 6)
        self.assertIn(f"loads-runner: agent {victim_id} lost at ", result.err)
        self.assertIn("ended partial: 1 of 3 agent(s) did not finish", result.err)
        host = os.uname().nodename
        self.assertIn("\nAgents: 3 (1 lost, 2 finished)\n", result.out)
        self.assertRegex(result.out, rf"\n- {victim_id} on {host}: lost at \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC "
                                     r"\(no heartbeat for 3 s\); what it sent before is counted\n")

        [(run_id, status)] = self.cluster.query("SELECT run_id, status FROM runs")
        self.assertEqual(status, "partial")
        [(state, changed_at, message)] = self.cluster.query(
            "SELECT state, changed_at, message FROM run_agents WHERE agent_id = ?", victim_id)
        self.assertEqual(state, "lost")
        self.assertEqual(message, "no heartbeat for 3 s")
        # Noticed within three beats (1 s each), with room for a loaded machine.
        self.assertLess(changed_at - killed_at, 5.0)
        self.assertGreater(changed_at - killed_at, 2.0)
        # What the lost agent sent before it died (its hits) is in the totals the runner showed.
        blobs = self.cluster.query("SELECT agent_id, stats FROM intervals WHERE run_id = ?", run_id)
        hits = {}
        for agent, blob in blobs:
            hits[agent] = hits.get(agent, 0) + stats_wire.decode_stats(blob)["hits"]
        self.assertEqual(len(hits), 3)
        self.assertGreater(hits.get(victim_id, 0), 0)
        self.assertEqual(result.field("Hits"), sum(hits.values()))
        self.assertLess(hits[victim_id], min(n for agent, n in hits.items() if agent != victim_id))
        # Its runner did not go on alone.
        wait_until(lambda: not runner_pids(victim_id), 10, "the lost agent's runner to end")

    def test_a_run_whose_agents_all_vanish_ends_failed_with_its_data(self):
        runner = self.cluster.popen_runner("cluster.Long.test_tick", "-d", "30", "--agents", "2")
        self.started_runners(2)
        busy = [a for a in self.cluster.agents if runner_pids(agent_id(a))]
        self.assertEqual(len(busy), 2)
        # Killed once each has sent ticks, so that there is data to keep (a fixed sleep raced that).
        for a in busy:
            wait_until(lambda: self.stored(agent_id(a), "counters", "ticks") > 0, 30, "ticks from each agent")
        for a in busy:
            a.kill()
        out, err = runner.communicate(timeout=120)
        self.assertEqual(runner.returncode, 6, err)
        self.assertIn("ended failed: 2 of 2 agent(s) did not finish", err)
        [(status, ended)] = self.cluster.query("SELECT status, ended FROM runs")
        self.assertEqual(status, "failed")
        self.assertIsNotNone(ended)
        self.assertGreater(harness.Result(subprocess.CompletedProcess([], 6, out, err), 0).counter("ticks"), 0)
        # The idle third agent is still there, the dead ones are not.
        self.assertEqual(self.cluster.registered(), 1)

    def test_an_idle_agent_that_dies_is_unregistered(self):
        killed = time.monotonic()
        self.cluster.agents[1].kill()
        wait_until(lambda: self.cluster.registered() == 2, 10, "the dead agent to go")
        self.assertLess(time.monotonic() - killed, 6)

    def test_a_runner_that_disappears_does_not_stop_the_run(self):
        runner = self.cluster.popen_runner("cluster.Long.test_tick", "-d", "3", "--agents", "2")
        self.started_runners(2)
        runner.kill()
        runner.communicate(timeout=30)
        wait_until(lambda: self.cluster.query("SELECT status FROM runs WHERE ended IS NOT NULL"), 60, "the run to end")
        self.assertEqual(self.cluster.query("SELECT status FROM runs"), [("completed",)])


class BrokerRestart(cluster.ClusterTestCase):
    agents = 2

    def restart_broker(self):
        self.assertEqual(self.cluster.stop_process(self.cluster.broker), 0)
        # Its ipc socket files went with it.
        for name in cluster.Cluster.NAMES:
            self.assertFalse(os.path.exists(self.cluster.endpoints[name][len("ipc://"):]), name)
        self.cluster.start_broker()

    def test_stored_runs_survive_and_agents_come_back(self):
        first = self.cluster.runner("fixtures.Lifecycle.test_count", "-u", "3", "--hits", "2", "--agents", "2")
        self.assertRun(first, 0)
        [(run_id,)] = self.cluster.query("SELECT run_id FROM runs")
        # A run going on when the broker stops is kept, marked as cut short.
        busy = self.cluster.popen_runner("cluster.Long.test_tick", "-d", "60", "--agents", "2")
        wait_until(lambda: self.cluster.broker_text().count("started its loads-runner") >= 4, 30, "the second run")
        time.sleep(1.2)
        self.restart_broker()
        out, err = busy.communicate(timeout=60)
        self.assertEqual(busy.returncode, 6, err)  # it ended as broker-restarted, with what it had

        self.cluster.wait_for_agents(2)  # they registered again by themselves
        statuses = dict(self.cluster.query("SELECT run_id, status FROM runs"))
        self.assertEqual(statuses[run_id], "completed")
        self.assertEqual(sorted(statuses.values()), ["broker-restarted", "completed"])
        # The agents were told to stop the run the new broker does not know.
        for a in self.cluster.agents:
            wait_until(lambda: not runner_pids(agent_id(a)), 15, "the orphan runners to stop")
        # The stored run can still be shown, with its exact figures.
        shown = self.cluster.runner("--attach", "--run-id", run_id)
        self.assertRun(shown, 0)
        self.assertIn(f"Run {run_id} is over (completed).", shown.out)
        self.assertEqual(shown.field("Success"), 12)
        self.assertEqual(shown.counter("runs"), 12)
        # And the cluster works.
        again = self.cluster.runner("fixtures.Lifecycle.test_count", "--agents", "2")
        self.assertRun(again, 0)
        self.assertEqual(len(self.cluster.query("SELECT run_id FROM runs")), 3)


class MalformedMessages(cluster.ClusterTestCase):
    agents = 1

    def test_garbage_on_every_broker_socket_is_dropped(self):
        e = self.cluster.endpoints
        context = zmq.Context()
        sockets = []

        def connect(kind, endpoint, identity=None):
            s = context.socket(kind)
            s.setsockopt(zmq.LINGER, 0)
            if identity:
                s.setsockopt(zmq.IDENTITY, identity)
            s.connect(endpoint)
            sockets.append(s)
            return s

        front = connect(zmq.DEALER, e["frontend"])
        for frames in ([b"no delimiter"], [b"", b"not json"], [b"", b"[1,2]"], [b"", b'{"command": 5}'],
                       [b"", b'{"command": "CTRL_RUN", "agents": "x"}'], [b"", b'{"command": "NOPE"}'],
                       [b"", b'{"command": "CTRL_RUN", "agents": 1, "args": {"fqn": "a.B.c"}, "run_id": "../x"}'],
                       [b"", b'{"command": "CTRL_RUN", "agents": 1, "args": {"fqn": "a.B.c"}, "observers": ["/etc/x"]}'],
                       [b"", b'{"command": "CTRL_RUN", "agents": 1, "args": {"fqn": "a.B.c"}, "observers": ['
                             + b",".join(b'"o%d"' % i for i in range(17)) + b"]}"],
                       [b"", b'{"command": "CTRL_RUN", "agents": 1, "args": {"fqn": "a.B.c"}, '
                             b'"observer_options": {"password": "x"}}'],
                       [b"", b'{"command": "CTRL_GET_RUN", "run_id": "nope"}'], [b""] + [b"x"] * 50,
                       [b"", b"\xff\xfe"]):
            front.send_multipart(frames)
        replies = []
        while front.poll(2000):
            replies.append(front.recv_multipart())
        errors = [json.loads(r[1]).get("error", "") for r in replies if len(r) == 2]
        self.assertIn("Invalid JSON received.", errors)
        self.assertIn("unknown command NOPE", errors)
        self.assertIn("no run nope on this broker", errors)
        self.assertTrue(any("run_id" in x for x in errors), errors)
        # Observer names become file names where they run: only names get that far.
        self.assertIn("\"observers\" must be a list of observer names (a-z, 0-9, '_')", errors)
        self.assertIn("a run may name at most 16 observers", errors)
        self.assertIn("\"observer_options\" must map observer-* options to strings", errors)

        back = connect(zmq.DEALER, e["backend"], identity=b"impostor-1")
        back.send(b"not json")
        back.send(b'{"event": "ended", "run_id": "nope", "exit_code": 0, "signal": 0}')
        back.send_multipart([b"a", b"b", b"c"])
        reg = connect(zmq.PUSH, e["register"])
        for frame in (b"junk", b'{"type": "BEAT"}', b'{"type": "WHAT", "agent_id": "x"}', b'[]',
                      b'{"type": "REGISTER", "agent_id": "' + b"x" * 300 + b'"}'):
            reg.send(frame)
        reg.send_multipart([b"two", b"frames"])
        recv = connect(zmq.PUSH, e["receiver"])
        for frames in ([b"loads-stats"], [b"other", b"{}", b""],
                       [b"loads-stats", b"not json", b""],
                       [b"loads-stats", b'{"run_id": "r", "agent_id": "a", "seq": 0, "final": true}', b"LDS2junk"],
                       [b"loads-stats", b'{"run_id": "r", "agent_id": "a", "seq": -1, "final": true}', b""]):
            recv.send_multipart(frames)
        time.sleep(1.0)
        for s in sockets:
            s.close()
        context.term()

        self.assertIsNone(self.cluster.broker.poll())
        log = self.cluster.broker_text()
        for socket_name in ("frontend", "backend", "register", "receiver"):
            self.assertIn(f"dropped a message on the {socket_name} socket", log)
        self.assertEqual(self.cluster.registered(), 1)  # no impostor registered
        result = self.cluster.runner("fixtures.Lifecycle.test_count", "--agents", "1", "-u", "2")
        self.assertRun(result, 0)
        self.assertEqual(result.field("Success"), 2)


    def test_a_client_that_never_reads_its_replies_cannot_freeze_the_broker(self):
        context = zmq.Context()
        flood = context.socket(zmq.DEALER)
        flood.setsockopt(zmq.RCVHWM, 1)
        flood.setsockopt(zmq.LINGER, 0)
        flood.connect(self.cluster.frontend)
        for i in range(20000):
            flood.send_multipart([b"", b'{"command": "PING", "id": %d}' % i])
        huge = b'{"command": "PING", "pad": [' + b"0," * 400000 + b'0]}'
        flood.send_multipart([b"", huge])
        started = time.monotonic()
        self.assertEqual(self.cluster.registered(), 1)  # others are still answered
        self.assertLess(time.monotonic() - started, 20)
        flood.close()
        context.term()
        self.assertIsNone(self.cluster.broker.poll())
        self.assertEqual(self.cluster.stop_process(self.cluster.broker, timeout=20), 0)  # and it stops on SIGTERM
        self.cluster.broker = None


class AgentFacingGarbage(harness.TestCase):
    """An agent whose broker (here a fake one, in Python) sends nonsense logs it and carries on."""

    def test_an_agent_drops_what_it_cannot_read(self):
        d = __import__("tempfile").mkdtemp(prefix="lc-fake-", dir="/tmp")
        context = zmq.Context()
        front = context.socket(zmq.ROUTER)
        back = context.socket(zmq.ROUTER)
        reg = context.socket(zmq.PULL)
        beat = context.socket(zmq.PUB)
        endpoints = {n: f"ipc://{d}/{n}.ipc" for n in ("frontend", "backend", "register", "heartbeat",
                                                          "receiver", "publisher")}
        for s, n in ((front, "frontend"), (back, "backend"), (reg, "register"), (beat, "heartbeat")):
            s.setsockopt(zmq.LINGER, 0)
            s.bind(endpoints[n])
        log_path = os.path.join(d, "agent.log")
        log = open(log_path, "w")
        agent = subprocess.Popen([cluster.AGENT, "--broker", endpoints["frontend"], "--work-dir", d],
                                 stdout=log, stderr=subprocess.STDOUT)
        try:
            self.assertTrue(front.poll(20000))
            ident, empty, request = front.recv_multipart()[:3]
            reply = {"id": json.loads(request)["id"], "result": {"pid": 1, "endpoints": endpoints}}
            front.send_multipart([ident, b"", json.dumps(reply).encode()])
            self.assertTrue(reg.poll(20000))
            note = json.loads(reg.recv())
            self.assertIn(note["type"], ("REGISTER", "BEAT"))  # a beat registers as well
            agent_identity = note["agent_id"].encode()
            time.sleep(0.3)
            for frames in ([b"junk"], [b"{}"], [b'{"command": "RUN", "run_id": "../../x", "args": {"fqn": "a.B.c"}}'],
                           [b'{"command": "RUN", "run_id": "r1", "args": 5}'],
                           [b'{"command": "RUN", "run_id": "r2", "args": {"fqn": "--help"}}'],
                           [b'{"command": "EXPLODE", "run_id": "r"}'], [b"a", b"b", b"c", b"d"]):
                back.send_multipart([agent_identity, *frames])
            for frames in ([b"BEAT"], [b"nonsense", b"x"], [b"BEAT", b""]):
                beat.send_multipart(frames)
            refusals = []
            while back.poll(3000):
                refusals.append(json.loads(back.recv_multipart()[1]))
            self.assertEqual(sorted(r["run_id"] for r in refusals if r["event"] == "refused"),
                             ["../../x", "r1", "r2"])
            self.assertIsNone(agent.poll())
            self.assertFalse(os.path.exists(os.path.join(d, "x")))
            with open(log_path) as f:
                text = f.read()
            self.assertIn("dropped a message from the broker", text)
        finally:
            agent.send_signal(signal.SIGTERM)
            self.assertEqual(agent.wait(timeout=30), 0)
            log.close()
            for s in (front, back, reg, beat):
                s.close()
            context.term()
            import shutil
            shutil.rmtree(d, ignore_errors=True)
