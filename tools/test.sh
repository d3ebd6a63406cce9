#!/usr/bin/env bash
# The whole test suite: installs the Debian packages it needs, then builds and runs every test
# three times — in the `dev` preset (warnings as errors), under AddressSanitizer +
# UndefinedBehaviorSanitizer (`asan` preset) and under ThreadSanitizer (`tsan` preset).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tools/install-deps.sh --test
for preset in dev asan tsan; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    echo "== $preset: tests"
    ctest --preset "$preset" -j2
done
