"""Files shipped with a distributed run (--include-file, the test's module): they land in the
agent's own directory for the run, modes kept; a hostile archive sent straight to the broker can
never write outside it; size limits apply."""
import json
import os
import re
import stat
import struct
import tempfile
import time

import zmq

import cluster


def archive(entries):
    """The LDA1 archive (host/src/cluster/file_archive.hpp) of (type, mode, path, content) entries."""
    out = b"LDA1" + struct.pack("<I", len(entries))
    for kind, mode, path, content in entries:
        path = path.encode()
        out += struct.pack("<BII", kind, mode, len(path)) + path + struct.pack("<Q", len(content)) + content
    return out


class ShippedFiles(cluster.ClusterTestCase):
    agents = 2

    def setUp(self):
        super().setUp()
        self.src = tempfile.mkdtemp(prefix="lc-src-")
        os.makedirs(os.path.join(self.src, "data", "sub"))
        os.makedirs(os.path.join(self.src, "scripts"))
        with open(os.path.join(self.src, "data", "payload.txt"), "w") as f:
            f.write("shipped payload\n")
        with open(os.path.join(self.src, "data", "sub", "nested.txt"), "w") as f:
            f.write("nested\n")
        for name, mode in (("run.sh", 0o755), ("secret.sh", 0o600)):
            path = os.path.join(self.src, "scripts", name)
            with open(path, "w") as f:
                f.write("#!/bin/sh\n")
            os.chmod(path, mode)
        with open(os.path.join(self.src, "scripts", "notes.txt"), "w") as f:
            f.write("not matched\n")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.src, ignore_errors=True)
        super().tearDown()

    def run_dirs(self, base):
        """{agent id: the run's directory} under base/<agent>/<run>."""
        out = {}
        for agent in os.listdir(base):
            runs = os.listdir(os.path.join(base, agent))
            self.assertEqual(len(runs), 1, runs)
            out[agent] = os.path.join(base, agent, runs[0])
        return out

    def test_include_files_land_in_each_agents_run_directory(self):
        test_dir = os.path.join(self.cluster.dir, "tests")
        result = self.cluster.runner("cluster.Files.test_data", "--agents", "2", "--include-file", "data",
                                     "--include-file", "scripts/*.sh", "--test-dir", test_dir, cwd=self.src)
        self.assertRun(result, 0)
        self.assertEqual(result.field("Success"), 2)
        self.assertEqual(result.counter("payload-bytes"), 32)
        dirs = self.run_dirs(test_dir)
        self.assertEqual(len(dirs), 2)
        for agent, d in dirs.items():
            self.assertTrue(agent.rsplit("-", 1)[1].isdigit(), agent)  # hostname-pid
            files = sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs)
            self.assertEqual(files, ["data/payload.txt", "data/sub/nested.txt", "libcluster.so",
                                     "loads-runner.log", "run.sh", "secret.sh"])
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, "run.sh")).st_mode), 0o755)
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, "secret.sh")).st_mode), 0o600)

    def test_a_pattern_matching_nothing_is_a_usage_error(self):
        result = self.cluster.runner("cluster.Files.test_data", "--agents", "2", "--include-file", "nothing*",
                                     cwd=self.src)
        self.assertRun(result, 2)
        self.assertIn("--include-file 'nothing*' matches nothing in", result.err)
        self.assertEqual(self.cluster.query("SELECT COUNT(*) FROM runs"), [(0,)])

    def test_without_the_data_the_test_fails_on_the_agents(self):
        result = self.cluster.runner("cluster.Files.test_data", "--agents", "2", cwd=self.src)
        self.assertRun(result, 1)
        self.assertEqual(result.field("Failures"), 2)
        self.assertIn("data/payload.txt was not shipped", result.err)

    def send_run(self, files, agents=1):
        """A CTRL_RUN sent as any ZeroMQ client could, with a hand-made archive."""
        context = zmq.Context()
        req = context.socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect(self.cluster.frontend)
        request = {"command": "CTRL_RUN", "agents": agents,
                   "args": {"fqn": "fixtures.Lifecycle.test_count", "users": "1", "hits": "1"}}
        req.send_multipart([json.dumps(request).encode(), files])
        self.assertTrue(req.poll(10000), "no reply to CTRL_RUN")
        reply = json.loads(req.recv())
        req.close()
        context.term()
        self.assertIn("result", reply, reply)
        return reply["result"]["run_id"]

    def wait_for_end(self, run_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.cluster.query("SELECT status FROM runs WHERE run_id = ? AND ended IS NOT NULL", run_id)
            if rows:
                return rows[0][0]
            time.sleep(0.1)
        self.fail(f"run {run_id} never ended:\n{self.cluster.broker_text()}")

    def test_hostile_archives_are_refused_and_write_nothing_outside(self):
        outside = os.path.join(self.cluster.work, "escaped.txt")
        for entries, reason in (
                ([(0, 0o644, "../escaped.txt", b"x")], "'..' path component"),
                ([(0, 0o644, "ok.txt", b"fine"), (0, 0o644, "a/../../../escaped.txt", b"x")], "'..' path component"),
                ([(0, 0o644, outside, b"x")], "absolute path"),
                ([(1, 0o777, "link", b"/etc/passwd")], "not a regular file"),
        ):
            run_id = self.send_run(archive(entries))
            self.assertEqual(self.wait_for_end(run_id), "failed")
            [(state, message)] = self.cluster.query("SELECT state, message FROM run_agents WHERE run_id = ?", run_id)
            self.assertEqual(state, "failed")
            self.assertIn("files refused: ", message)
            self.assertIn(reason, message)
            self.assertFalse(os.path.exists(outside))
            self.assertFalse(os.path.exists(os.path.join(self.cluster.dir, "escaped.txt")))
            # Nothing at all was unpacked: the archive is checked before anything is written.
            for agent in os.listdir(self.cluster.work):
                run_dir = os.path.join(self.cluster.work, agent, run_id)
                if os.path.isdir(run_dir):
                    self.assertEqual(os.listdir(run_dir), [])
        self.assertEqual(self.cluster.registered(), 2)
        self.assertRun(self.cluster.runner("fixtures.Lifecycle.test_count", "--agents", "2"), 0)

    def test_an_agent_refuses_more_than_its_upload_limit(self):
        small = cluster.Cluster(agents=1, agent_args=["--max-upload", "1"])
        try:
            with open(os.path.join(self.src, "data", "big.bin"), "wb") as f:
                f.write(os.urandom(2 * 1024 * 1024))
            result = small.runner("cluster.Files.test_data", "--agents", "1", "--include-file", "data", cwd=self.src)
            self.assertRun(result, 6)
            self.assertIn("files refused: ", result.err)
            self.assertIn("exceeds the 1048576", result.err)
            # Shown again from the broker's record, which is all a runner has when the refusal
            # came before it could watch the run.
            run_id = re.search(r"run (\S+) ended failed", result.err).group(1)
            again = small.runner("--attach", "--run-id", run_id)
            self.assertRun(again, 6)
            self.assertIn(f"Run {run_id} is over (failed)", again.out)
            self.assertRegex(again.err, r"agent \S+ failed at .*: files refused: .*exceeds the 1048576")
        finally:
            small.stop()

    def test_an_agent_keeps_only_its_latest_run_directories(self):
        small = cluster.Cluster(agents=1, agent_args=["--keep-runs", "2"])
        try:
            for _ in range(4):
                self.assertRun(small.runner("fixtures.Lifecycle.test_count", "--agents", "1"), 0)
            [agent_dir] = [os.path.join(small.work, d) for d in os.listdir(small.work)]
            kept = sorted(os.listdir(agent_dir))
            runs = [r for (r,) in small.query("SELECT run_id FROM runs ORDER BY started")]
            self.assertEqual(kept, sorted(runs[-2:]))
        finally:
            small.stop()
