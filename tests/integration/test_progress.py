"""The live progress bar: drawn only when stdout is a terminal, and computed over all cycles."""
import re
import unittest

import harness


class Progress(harness.TestCase):
    def test_bar_on_a_terminal_reaches_100_only_at_the_end(self):
        # Two duration cycles: the bar must be about half-way after the first one (the seed
        # showed 100% there).
        rc, out = harness.run_on_terminal("fixtures.Slow.test_short", "-d", "1", "-u", "1:1")
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
