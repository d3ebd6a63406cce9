"""Bad input: one clear line on stderr and exit status 2, never a crash."""
import os
import subprocess
import tempfile

import harness


class CliErrors(harness.TestCase):
    def assertUsageError(self, result, *fragments):
        self.assertRun(result, 2)
        lines = result.err.strip().splitlines()
        self.assertEqual(len(lines), 1, result.err)
        self.assertTrue(lines[0].startswith("loads-runner: error: "), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        self.assertEqual(result.out, "")

    def test_malformed_fqn(self):
        self.assertUsageError(harness.run("example"), "expected module.Class.test")
        self.assertUsageError(harness.run("example.Test"), "expected module.Class.test")
        self.assertUsageError(harness.run("example..test"), "module.Class.test")
        self.assertUsageError(harness.run("example.Test.te-st"), "identifiers")

    def test_module_not_found_says_where_it_looked(self):
        r = harness.run("nosuchmodule.A.test_b")
        self.assertUsageError(r, "module 'nosuchmodule' not found", "libnosuchmodule.so", harness.LIB_DIR,
                              harness.FIXTURE_DIR)

    def test_class_not_found_lists_classes(self):
        r = harness.run("example.Nope.test_es")
        self.assertUsageError(r, "class 'Nope' not found", "it has: TestWebSite")

    def test_test_not_found_lists_tests(self):
        r = harness.run("example.TestWebSite.test_nope")
        self.assertUsageError(r, "test 'test_nope' not found",
                              "test_app_status, test_auth, test_counted, test_errors, test_es, test_fails, "
                              "test_something, test_think")

    def test_shared_library_that_is_not_a_plugin(self):
        self.assertUsageError(harness.run("not_a_plugin.A.test_b"), "is not a loads plugin")

    def test_file_that_is_not_a_library(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "libjunk.so"), "w") as f:
                f.write("this is not an ELF file\n")
            r = harness.run("junk.A.test_b", lib_dirs=(tmp,))
            self.assertUsageError(r, "is not a loads plugin")

    def test_other_abi_major_is_refused(self):
        r = harness.run("abi_major2.Future.test_x")
        self.assertUsageError(r, "built for loads ABI 2.0", "supports ABI 1.6")

    def test_newer_abi_minor_is_refused(self):
        r = harness.run("abi_minor_newer.Newer.test_x")
        self.assertUsageError(r, "built for loads ABI 1.99", "supports ABI 1.6")

    def test_open_files_limit_too_low_is_a_clear_error(self):
        import resource

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        proc = subprocess.run([harness.RUNNER, "fixtures.Lifecycle.test_count", "-u", "1000"], capture_output=True,
                              text=True, env=env, preexec_fn=low_limit, timeout=60)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn("open-files limit is 256 but 1000 users need", proc.stderr)

    def test_bad_options(self):
        self.assertUsageError(harness.run("example.TestWebSite.test_es", "--nope"), "nope")
        self.assertUsageError(harness.run("example.TestWebSite.test_es", "-u", "0"), "--users")
        self.assertUsageError(harness.run("example.TestWebSite.test_es", "--hits", "1:x"), "--hits")
        self.assertUsageError(harness.run("example.TestWebSite.test_es", "-d", "0"), "--duration")
        self.assertUsageError(harness.run("example.TestWebSite.test_es", "--threads", "x"), "threads")
        self.assertUsageError(harness.run("-u", "3"), "no test given")

    def test_bad_open_model_options(self):
        t = "fixtures.Arrivals.test_get"
        for args, fragment in [
            (["--rate", "0", "-d", "1"], "--rate must be a number of arrivals per second > 0"),
            (["--rate", "-3", "-d", "1"], "--rate must be"),
            (["--rate", "nan", "-d", "1"], "--rate must be"),
            (["--rate", "fast", "-d", "1"], "rate"),
            (["--rate", "10"], "--rate needs --duration (seconds of arrivals) or --hits (arrivals in all)"),
            (["--rate", "10", "-d", "1", "-u", "2:4"], "-u takes one number"),
            (["--rate", "10", "--hits", "5:10"], "--hits is the number of arrivals in all"),
            (["--rate", "10", "-d", "1", "-u", "5", "--max-users", "4"], "--max-users must be at least -u (5)"),
            (["--max-users", "4", "-d", "1"], "--max-users is the cap of an open-model run's pool"),
            (["--rate", "10", "-d", "1", "--no-patching"], "--rate and --no-patching cannot be used together"),
            (["--rate", "10", "-d", "1", "--test-runner", "python3 x.py {test}"], "--rate runs test plugins"),
            (["--rate", "10", "-d", "1", "--agent-index", "1", "--agent-count", "2"],
             "--agent-index, --agent-count and --start-at are agent mode's (what loads-agent starts)"),
            (["--rate", "10", "-d", "1", "--start-at", "1700000000"], "are agent mode's"),
        ]:
            with self.subTest(args=args):
                self.assertUsageError(harness.run(t, *args), fragment)

    def test_list_reads_symbols_only(self):
        r = harness.run("--list", "example")
        self.assertRun(r, 0)
        self.assertEqual(r.out.split(), [
            "example.TestWebSite.test_app_status", "example.TestWebSite.test_auth", "example.TestWebSite.test_counted",
            "example.TestWebSite.test_errors", "example.TestWebSite.test_es", "example.TestWebSite.test_fails",
            "example.TestWebSite.test_something", "example.TestWebSite.test_think"])
        # Listing never loads the plugin, so even one built for another ABI can be listed.
        r = harness.run("--list", "abi_major2")
        self.assertRun(r, 0)
        self.assertEqual(r.out.split(), ["abi_major2.Future.test_x"])
        self.assertUsageError(harness.run("--list", "nosuchmodule"), "not found")

    def test_help_and_version(self):
        r = harness.run()
        self.assertRun(r, 0)
        self.assertIn("Usage: loads-runner", r.out)
        r = harness.run("--version")
        self.assertRun(r, 0)
        self.assertRegex(r.out.strip(), r"^\d+\.\d+\.\d+$")


class ConfigFile(harness.ServerTestCase):
    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_file_sets_options_and_command_line_wins(self):
        path = self.write(f"[loads]\nfqn = example.TestWebSite.test_es\nusers = 3\nhits = 2\n"
                          f"server_url = {self.server.url}\nquiet = false\n")
        r = harness.run("--config", path)
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 6)
        r = harness.run("--config", path, "-u", "1")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 2)

    def test_open_model_from_the_file(self):
        path = self.write(f"[loads]\nrate = 100\nhits = 20\nusers = 2\nmax_users = 4\n")
        r = harness.run("--config", path, "fixtures.Arrivals.test_get", "--server-url", self.server.url + "/")
        self.assertRun(r, 0)
        self.assertIn("Target rate: 100.00/s", r.out)
        self.assertEqual(r.field("Hits"), 20)

    def test_unknown_key_names_file_and_line(self):
        path = self.write("[loads]\nusers = 2\nbogus = 1\n")
        r = harness.run("--config", path, "example.TestWebSite.test_es")
        self.assertRun(r, 2)
        self.assertIn(f"{path}:3: unknown key 'bogus'", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
