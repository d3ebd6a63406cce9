"""check_layers.py itself: on a small tree made here, each kind of breach is found and named,
and a tree that keeps the rule passes (so the real check cannot pass by finding nothing)."""
import os
import subprocess
import sys
import tempfile
import unittest

CHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check_layers.py')


def tree(files):
    root = tempfile.mkdtemp(prefix='layers-')
    files = {'host/CMakeLists.txt': 'foreach(layer low mid high)\n  add_subdirectory(src/${layer})\nendforeach()\n',
             **files}
    for path, text in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), 'w') as f:
            f.write(text)
    return root


def check(root):
    return subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)


class CheckLayers(unittest.TestCase):
    def test_a_tree_that_keeps_the_rule_passes(self):
        root = tree({'host/src/low/a.hpp': '',
                     'host/src/mid/b.hpp': '#include "low/a.hpp"\n',
                     'host/src/high/c.cpp': '#include "mid/b.hpp"\n#include "high/c.hpp"\n',
                     'host/src/high/c.hpp': '#include <vector>\n',
                     'host/src/main.cpp': '#include "high/c.hpp"\n'})
        result = check(root)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn('the layer rule holds (low < mid < high)', result.stdout)

    def test_an_include_of_a_higher_layer_is_a_breach(self):
        root = tree({'host/src/low/a.cpp': '#include <string>\n\n#include "high/c.hpp"\n',
                     'host/src/high/c.hpp': ''})
        result = check(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn('host/src/low/a.cpp:3: low includes "high/c.hpp" of the higher layer high', result.stdout)

    def test_a_bare_or_relative_include_is_a_breach(self):
        root = tree({'host/src/mid/b.cpp': '#include "b.hpp"\n#include "../low/a.hpp"\n',
                     'host/src/mid/b.hpp': '', 'host/src/low/a.hpp': ''})
        result = check(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn('host/src/mid/b.cpp:1: "b.hpp" is not a path from host/src', result.stdout)
        self.assertIn('host/src/mid/b.cpp:2: includes "../low/a.hpp", outside host/src', result.stdout)

    def test_outputs_are_never_included_and_main_files_only_at_the_top(self):
        root = tree({'host/src/mid/b.cpp': '#include "outputs/common/x.hpp"\n',
                     'host/src/helper.cpp': '', 'host/src/stray/d.cpp': ''})
        result = check(root)
        self.assertEqual(result.returncode, 1)
        self.assertIn('includes "outputs/common/x.hpp", outside host/src', result.stdout)
        self.assertIn("helper.cpp: only the programs' main() files stay at the top", result.stdout)
        self.assertIn('stray/d.cpp: in no layer folder', result.stdout)


def archive(root, name, source):
    """A static library of one object compiled from `source`."""
    cpp = os.path.join(root, name + '.cpp')
    with open(cpp, 'w') as f:
        f.write(source)
    obj = os.path.join(root, name + '.o')
    subprocess.run(['c++', '-c', cpp, '-o', obj], check=True)
    lib = os.path.join(root, f'lib{name}.a')
    subprocess.run(['ar', 'rcs', lib, obj], check=True)
    return lib


class CheckLibraries(unittest.TestCase):
    def libraries(self, low_source):
        root = tree({'host/src/low/CMakeLists.txt': 'add_library(loads_low STATIC a.cpp)\n',
                     'host/src/mid/CMakeLists.txt': 'add_library(loads_mid STATIC b.cpp)\n',
                     'host/src/high/CMakeLists.txt': 'add_library(loads_high STATIC c.cpp)\n',
                     'host/src/high/c.cpp': ''})
        low = archive(root, 'low', low_source)
        mid = archive(root, 'mid', 'int low_fn(); int mid_fn() { return low_fn() + 1; }\n')
        high = archive(root, 'high', 'int high_fn() { return 3; }\n')
        return subprocess.run([sys.executable, CHECK, root, '--libraries', f'loads_low={low}',
                               f'loads_mid={mid}', f'loads_high={high}'], capture_output=True, text=True)

    def test_a_library_calling_downwards_passes(self):
        result = self.libraries('int low_fn() { return 1; }\n')
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_a_library_needing_a_higher_layers_symbol_is_a_breach(self):
        result = self.libraries('int high_fn();\nint low_fn() { return high_fn(); }\n')
        self.assertEqual(result.returncode, 1)
        self.assertIn('loads_low needs high_fn() of the higher layer library loads_high', result.stdout)


if __name__ == '__main__':
    unittest.main()
