"""A cluster across "hosts": the broker in one network namespace, each agent in a namespace of its
own with its own host name, joined to the broker's by a veth pair, talking tcp. The broker binds
every interface (tcp://0.0.0.0:port) and the agents, given only the frontend, dial the other
sockets at the address they reached it on. The namespaces, links and private 10.231.x addresses
are the test's own: the machine's own network is never touched.

Needs root (CAP_NET_ADMIN) and iproute2; skipped where network namespaces cannot be made."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import cluster
import harness

TAG = f"lc{os.getpid() % 100000}"


def ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def namespaces_work():
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("unshare") is None:
        return False
    probe = f"{TAG}probe"
    ok = ip("netns", "add", probe, check=False).returncode == 0
    if ok:
        ok = subprocess.run(["ip", "netns", "exec", probe, "ip", "link", "set", "lo", "up"],
                            capture_output=True).returncode == 0
        ip("netns", "del", probe, check=False)
    return ok


@unittest.skipUnless(namespaces_work(), "network namespaces cannot be created here (needs root and iproute2)")
class AcrossNamespaces(harness.TestCase):
    AGENTS = ("a1", "a2")

    def setUp(self):
        self.broker_ns = f"{TAG}b"
        self.namespaces = [self.broker_ns] + [f"{TAG}{a}" for a in self.AGENTS]
        self.procs = []
        self.logs = []
        self.dir = tempfile.mkdtemp(prefix="lc-ns-", dir="/tmp")
        for ns in self.namespaces:
            ip("netns", "add", ns)
            ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        # One veth pair per agent: 10.231.<n>.1 on the broker's side, 10.231.<n>.2 on the agent's.
        self.broker_addresses = {}
        for n, agent in enumerate(self.AGENTS, start=1):
            ns = f"{TAG}{agent}"
            here, there = f"{TAG}{agent}h", f"{TAG}{agent}t"
            ip("link", "add", here, "netns", self.broker_ns, "type", "veth", "peer", "name", there, "netns", ns)
            ip("netns", "exec", self.broker_ns, "ip", "addr", "add", f"10.231.{n}.1/30", "dev", here)
            ip("netns", "exec", self.broker_ns, "ip", "link", "set", here, "up")
            ip("netns", "exec", ns, "ip", "addr", "add", f"10.231.{n}.2/30", "dev", there)
            ip("netns", "exec", ns, "ip", "link", "set", there, "up")
            self.broker_addresses[agent] = f"10.231.{n}.1"

    def tearDown(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for log in self.logs:
            log.close()
        for ns in self.namespaces:
            ip("netns", "del", ns, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def in_ns(self, ns, *args, hostname=None, log=None):
        command = ["ip", "netns", "exec", ns]
        if hostname:
            # A host name of its own, as a real box would have (its agent id is hostname-pid).
            command += ["unshare", "--uts", "sh", "-c", f'hostname {hostname} && exec "$@"', "sh"]
        out = subprocess.DEVNULL
        if log:
            out = open(os.path.join(self.dir, log), "w")
            self.logs.append(out)
        env = dict(os.environ, LOADS_PATH=harness.FIXTURE_DIR)
        proc = subprocess.Popen(command + list(args), stdout=out, stderr=subprocess.STDOUT, env=env)
        self.procs.append(proc)
        return proc

    def runner(self, *args):
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        proc = subprocess.run(["ip", "netns", "exec", self.broker_ns, harness.RUNNER, *args, "--broker",
                               "tcp://127.0.0.1:7780"], capture_output=True, text=True, timeout=120, env=env,
                              stdin=subprocess.DEVNULL)
        return harness.Result(proc, 0)

    def test_agents_on_other_hosts_run_over_tcp(self):
        ports = {"frontend": 7780, "backend": 7781, "register": 7782, "receiver": 7783, "publisher": 7784,
                 "heartbeat": 7785}
        broker_args = [cluster.BROKER, "--db-sqlite-path", os.path.join(self.dir, "runs.sqlite")]
        for name, port in ports.items():
            broker_args += [f"--{name}", f"tcp://0.0.0.0:{port}"]
        self.in_ns(self.broker_ns, *broker_args, log="broker.log")
        for agent in self.AGENTS:
            frontend = f"tcp://{self.broker_addresses[agent]}:7780"
            self.in_ns(f"{TAG}{agent}", cluster.AGENT, "--broker", frontend, "--work-dir",
                       os.path.join(self.dir, "work"), hostname=f"box-{agent}", log=f"{agent}.log")
        deadline = time.monotonic() + 30
        while True:
            ping = self.runner("--ping-broker")
            if ping.rc == 0 and "2 agents registered" in ping.out:
                break
            self.assertLess(time.monotonic(), deadline, f"{ping}\n{open(os.path.join(self.dir, 'a1.log')).read()}")
            time.sleep(0.2)
        hosts = sorted(re.findall(r"^  - \d+ on (\S+)$", ping.out, re.M))
        self.assertEqual(hosts, ["box-a1", "box-a2"])

        result = self.runner("fixtures.Lifecycle.test_count", "-u", "3", "--hits", "4", "--agents", "2")
        self.assertRun(result, 0)
        self.assertEqual(result.field("Success"), 24)
        self.assertEqual(result.counter("runs"), 24)
        self.assertIn("Agents: 2 (2 finished)", result.out)
        # Each agent dialled the broker's sockets at the address it reached the frontend on.
        for agent in self.AGENTS:
            with open(os.path.join(self.dir, f"{agent}.log")) as f:
                self.assertIn(f"receiver tcp://{self.broker_addresses[agent]}:7783", f.read())
