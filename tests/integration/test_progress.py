"""The live progress bar: drawn only when stdout is a terminal, and computed over all cycles."""
import os
import pty
import re
import select
import subprocess
import time
import unittest

import harness


class Progress(harness.TestCase):
    def run_on_terminal(self, *args):
        master, slave = pty.openpty()
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        proc = subprocess.Popen([harness.RUNNER, *args], stdout=slave, stderr=subprocess.PIPE, env=env)
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        proc.wait(timeout=10)
        proc.stderr.close()
        os.close(master)
        return proc.returncode, b"".join(chunks).decode()

    def test_bar_on_a_terminal_reaches_100_only_at_the_end(self):
        # Two duration cycles: the bar must be about half-way after the first one (the seed
        # showed 100% there).
        rc, out = self.run_on_terminal("fixtures.Slow.test_short", "-d", "1", "-u", "1:1")
        self.assertEqual(rc, 0, out)
        percents = [int(p) for p in re.findall(r"\] +(\d+)%", out)]
        self.assertTrue(percents, out)
        self.assertEqual(percents[-1], 100)
        self.assertEqual(percents, sorted(percents))
        self.assertTrue(any(40 <= p <= 60 for p in percents), percents)
        self.assertEqual(percents.count(100), 1, percents)
        self.assertIn("Success:", out)

    def test_no_bar_when_not_a_terminal(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--hits", "3")
        self.assertRun(r, 0)
        self.assertNotIn("%", r.out)
        self.assertTrue(r.out.startswith("Duration: "), r.out)


if __name__ == "__main__":
    unittest.main()
