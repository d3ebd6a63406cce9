"""Building plugins: loads-build for one file, find_package(loads) for a CMake project, and the
seed's first example compiled and run unchanged."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
LOADS_BUILD = harness.env_path("LOADS_BUILD")


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Build(harness.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_seed_example_compiles_and_runs_unchanged(self):
        # The file hits http://localhost:9200 itself, so the sample server must listen there.
        if not port_free(9200):
            self.skipTest("port 9200 is in use on this machine")
        shutil.copy(os.path.join(HERE, "seed", "example.cpp"), self.tmp)
        subprocess.run([LOADS_BUILD, "example.cpp"], cwd=self.tmp, check=True)
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "libexample.so")))
        server = subprocess.Popen([harness.SAMPLE_SERVER, "--port", "9200"], stdout=subprocess.PIPE, text=True)
        try:
            self.assertIn("listening on", server.stdout.readline())
            # Only the current directory: the freshly built module must be the one found.
            r = harness.run("example.TestWebSite.test_es", "-u", "5", "--hits", "4", lib_dirs=(), cwd=self.tmp)
            self.assertRun(r, 0)
            self.assertEqual(r.field("Hits"), 20)
            self.assertEqual(r.field("Success"), 20)
            self.assertIn("http://localhost:9200", r.out)
        finally:
            server.terminate()
            server.wait()
            server.stdout.close()

    def test_output_name_and_test_dir(self):
        src = os.path.join(HERE, "package", "suite.cpp")
        subprocess.run([LOADS_BUILD, "-o", os.path.join(self.tmp, "libmysuite.so"), src], check=True)
        r = harness.run("mysuite.Installed.test_counter", "--test-dir", self.tmp, "--hits", "3", lib_dirs=())
        self.assertRun(r, 0)
        self.assertEqual(r.counter("installed-sdk"), 3)

    def test_build_errors(self):
        r = subprocess.run([LOADS_BUILD, "missing.cpp"], cwd=self.tmp, capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such file", r.stderr)
        broken = os.path.join(self.tmp, "broken.cpp")
        with open(broken, "w") as f:
            f.write("#include <loads/loads.hpp>\nclass X : public loads::TestCase { public: int test_a() { return 1; } };\n"
                    "LOADS_TESTS(X, test_a)\n")
        r = subprocess.run([LOADS_BUILD, broken], cwd=self.tmp, capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("must be a public, non-overloaded `void test_a()`", r.stderr)

    def test_installed_sdk_with_find_package(self):
        cmake = harness.env_path("LOADS_CMAKE")
        prefix = os.path.join(self.tmp, "prefix")
        subprocess.run([cmake, "--install", harness.env_path("LOADS_BINARY_DIR"), "--prefix", prefix],
                       check=True, capture_output=True)
        self.assertTrue(os.path.exists(os.path.join(prefix, "include", "loads", "abi.h")))
        build = os.path.join(self.tmp, "build")
        subprocess.run([cmake, "-S", os.path.join(HERE, "package"), "-B", build, "-G", "Ninja",
                        f"-DCMAKE_PREFIX_PATH={prefix}"], check=True, capture_output=True)
        subprocess.run([cmake, "--build", build], check=True, capture_output=True)
        r = harness.run("suite.Installed.test_counter", "-u", "2", lib_dirs=(build,))
        self.assertRun(r, 0)
        self.assertEqual(r.counter("installed-sdk"), 2)
        # The installed loads-build finds the installed headers next to itself.
        out = os.path.join(self.tmp, "libviabin.so")
        subprocess.run([os.path.join(prefix, "bin", "loads-build"), "-o", out,
                        os.path.join(HERE, "package", "suite.cpp")], check=True)
        self.assertTrue(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
