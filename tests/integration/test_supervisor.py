"""The cluster of tools/cluster/supervisord.conf (Debian's supervisor, the seed's circus example):
started as the README says, one broker and five agents register, a run uses all five, and
`supervisorctl shutdown` stops everything."""
import os
import re
import shutil
import subprocess
import time

import harness

CONFIG = os.path.join(harness.env_path("LOADS_SOURCE_DIR"), "tools", "cluster", "supervisord.conf")
DEFAULT_FRONTEND = "ipc:///tmp/loads-front.ipc"


def loads_processes():
    out = subprocess.run(["pgrep", "-f", "--", "/loads-(broker|agent)$"], capture_output=True, text=True).stdout
    return out.split()


class Supervisor(harness.TestCase):
    def setUp(self):
        self.agent_ids = []
        self.env = dict(os.environ, LOADS_BIN=os.path.dirname(harness.RUNNER))
        ping = harness.run("--ping-broker", "--broker", DEFAULT_FRONTEND)
        if ping.rc == 0:
            self.fail("a broker already runs on the default endpoints: stop it before running this test")

    def ctl(self, *args):
        return subprocess.run(["supervisorctl", "-c", CONFIG, *args], capture_output=True, text=True,
                              timeout=60, env=self.env)

    def test_start_use_and_stop_the_cluster(self):
        started = subprocess.run(["supervisord", "-c", CONFIG], capture_output=True, text=True, timeout=60,
                                 env=self.env)
        self.assertEqual(started.returncode, 0, started)
        try:
            deadline = time.monotonic() + 60
            while True:
                ping = harness.run("--ping-broker")  # the default endpoints, as in the README
                status = self.ctl("status").stdout
                if ping.rc == 0 and "5 agents registered" in ping.out and status.count("RUNNING") == 6:
                    break
                self.assertLess(time.monotonic(), deadline, f"{ping}\n{status}")
                time.sleep(0.2)
            self.assertTrue(ping.out.startswith("Broker running on pid "), ping.out)
            host = os.uname().nodename
            self.agent_ids = [f"{host}-{pid}" for pid in re.findall(r"^  - (\d+) on ", ping.out, re.M)]
            self.assertEqual(len(re.findall(r"^  - \d+ on ", ping.out, re.M)), 5)

            run = harness.run("fixtures.Lifecycle.test_count", "-u", "2", "--hits", "3", "--agents", "5")
            self.assertRun(run, 0)
            self.assertEqual(run.field("Success"), 30)
            self.assertIn("Agents: 5 (5 finished)", run.out)
        finally:
            stopped = self.ctl("shutdown")
            deadline = time.monotonic() + 60
            while loads_processes() or os.path.exists("/tmp/loads-supervisord.pid"):
                if time.monotonic() > deadline:
                    subprocess.run(["pkill", "-9", "-f", "--", "/loads-(broker|agent)$"])
                    self.fail(f"the cluster did not stop: {stopped}")
                time.sleep(0.2)
        self.assertEqual(stopped.returncode, 0, stopped)
        self.assertRun(harness.run("--ping-broker"), 6)
        self.assertFalse(os.path.exists("/tmp/loads-front.ipc"))  # the broker took its sockets with it
        # What this cluster left in the default places: its agents' run directories and its logs.
        for agent in self.agent_ids:
            shutil.rmtree(os.path.join("/tmp/loads-agent", agent), ignore_errors=True)
        for log in ["/tmp/loads-supervisord.log", "/tmp/loads-broker.log"] + [
                f"/tmp/loads-agents-{i}.log" for i in range(5)]:
            if os.path.exists(log):
                os.unlink(log)
