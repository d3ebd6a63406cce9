"""A real loads cluster for the integration tests: one loads-broker and N loads-agent processes on
loopback (ipc sockets in a private directory, or tcp on free 127.0.0.1 ports), each test's own.

Everything is stopped (and checked to have exited cleanly) by stop(); logs stay readable until then.
"""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import harness


BROKER = harness.env_path("LOADS_BROKER")
AGENT = harness.env_path("LOADS_AGENT")
CLUSTER_LIB_DIR = harness.FIXTURE_DIR


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    NAMES = ("frontend", "backend", "register", "receiver", "publisher", "heartbeat")

    def __init__(self, agents=3, transport="ipc", db=None, broker_args=(), agent_args=(), workdir=None):
        # ipc paths must stay under 108 bytes: a short directory of our own under /tmp.
        self.dir = workdir or tempfile.mkdtemp(prefix="lc-", dir="/tmp")
        self.transport = transport
        if transport == "ipc":
            self.endpoints = {n: f"ipc://{self.dir}/{n}.ipc" for n in self.NAMES}
        else:
            self.endpoints = {n: f"tcp://127.0.0.1:{free_port()}" for n in self.NAMES}
        self.db = db or os.path.join(self.dir, "runs.sqlite")
        self.work = os.path.join(self.dir, "work")
        self.broker_args = list(broker_args)
        self.agent_args = list(agent_args)
        self.broker = None
        self.agents = []
        self._logs = []
        try:
            self.start_broker()
            for _ in range(agents):
                self.start_agent()
            if agents:
                self.wait_for_agents(agents)
        except BaseException:
            self.stop(check=False)  # never leave processes behind a test that could not start
            raise

    @property
    def frontend(self):
        return self.endpoints["frontend"]

    def _log(self, name):
        path = os.path.join(self.dir, name)
        f = open(path, "a")
        self._logs.append(f)
        return f, path

    def broker_command(self, **overrides):
        endpoints = dict(self.endpoints, **overrides)
        args = [BROKER]
        for name in self.NAMES:
            args += [f"--{name}", endpoints[name]]
        return args + ["--db-sqlite-path", self.db, *self.broker_args]

    def start_broker(self, wait=True):
        log, self.broker_log = self._log("broker.log")
        self.broker = subprocess.Popen(self.broker_command(), stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_for_log(self.broker_log, "broker running on pid")
        return self.broker

    def start_agent(self, *extra, frontend=None, netns=None):
        log, path = self._log(f"agent-{len(self.agents)}.log")
        args = [AGENT, "--broker", frontend or self.frontend, "--work-dir", self.work, *self.agent_args, *extra]
        if netns:
            args = ["ip", "netns", "exec", netns, *args]
        env = dict(os.environ, LOADS_PATH=CLUSTER_LIB_DIR)
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        proc.log_path = path
        self.agents.append(proc)
        return proc

    def wait_for_log(self, path, text, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(path) as f:
                if text in f.read():
                    return
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared in {path}:\n{open(path).read()}")

    def ping(self):
        result = self.runner("--ping-broker", timeout=30)
        if result.rc != 0:
            raise AssertionError(repr(result))
        return result

    def registered(self):
        match = re.search(r"^(\d+) agents registered$", self.ping().out, re.M)
        return int(match.group(1))

    def wait_for_agents(self, n, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.registered() == n:
                return
            time.sleep(0.1)
        raise AssertionError(f"{n} agents never registered:\n{self.ping().out}\n{self.broker_text()}")

    def runner(self, *args, lib_dirs=(harness.LIB_DIR, harness.FIXTURE_DIR), timeout=120, **kw):
        return harness.run(*args, "--broker", self.frontend, lib_dirs=lib_dirs, timeout=timeout, **kw)

    def popen_runner(self, *args, lib_dirs=(harness.LIB_DIR, harness.FIXTURE_DIR)):
        env = dict(os.environ, LOADS_PATH=":".join(lib_dirs))
        return subprocess.Popen([harness.RUNNER, *args, "--broker", self.frontend], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def broker_text(self):
        with open(self.broker_log) as f:
            return f.read()

    def query(self, sql, *params):
        with sqlite3.connect(self.db) as db:
            return db.execute(sql, params).fetchall()

    def stop_process(self, proc, sig=signal.SIGTERM, timeout=30):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError(f"{proc.args[0]} did not stop on signal {sig}")
        return proc.returncode

    def stop(self, check=True):
        """Stops the agents then the broker; with check, each must have exited with status 0."""
        problems = []
        for agent in self.agents:
            rc = self.stop_process(agent)
            if check and rc not in (0, -9):
                problems.append(f"agent exited {rc}: {open(agent.log_path).read()[-3000:]}")
        if self.broker is not None:
            rc = self.stop_process(self.broker)
            if check and rc not in (0, -9):
                problems.append(f"broker exited {rc}: {self.broker_text()[-3000:]}")
        for f in self._logs:
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise AssertionError("\n".join(problems))


def wait_until(predicate, timeout, what):
    """predicate()'s first true value, polled every 50 ms; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def agent_id(proc):
    """The id an agent started by Cluster registers with: host name and pid."""
    return f"{os.uname().nodename}-{proc.pid}"


class ClusterTestCase(harness.TestCase):
    """Each test gets its own cluster (self.cluster) of `agents` agents; the sample server is
    shared by the class."""
    agents = 3
    transport = "ipc"

    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(threads=2)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.cluster = Cluster(agents=self.agents, transport=self.transport)

    def tearDown(self):
        self.cluster.stop()
