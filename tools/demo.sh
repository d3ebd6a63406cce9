#!/usr/bin/env bash
# The demo: builds loads, starts the sample server on a free loopback port, runs the sample load
# test as 10, then 20, then 30 virtual users of 20 hits each (1,200 tests), then the seed's
# test_something (a GET and two web socket echoes) as 20 users of 10 hits, prints the summaries
# (the first run also writes loads-report.html, the html output's report, in the checkout) and
# stops the server. Installs the Debian packages it needs first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tools/install-deps.sh
cmake --preset release -DLOADS_BUILD_TESTS=OFF >/dev/null
cmake --build --preset release

server_out=$(mktemp)
build/release/bin/loads-sample-server --port 0 >"$server_out" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -f "$server_out"' EXIT
for _ in $(seq 100); do
    grep -q '^listening on ' "$server_out" && break
    sleep 0.05
done
url=$(sed -n 's/^listening on //p' "$server_out")
[[ -n "$url" ]] || { echo "demo: the sample server did not start" >&2; exit 1; }
echo "sample server: $url"
echo "+ loads-runner example.TestWebSite.test_es --server-url $url -u 10:20:30 --hits 20 --output html"
LOADS_PATH=build/release/lib build/release/bin/loads-runner example.TestWebSite.test_es \
    --server-url "$url" -u 10:20:30 --hits 20 --output html --output-html-filename "$root/loads-report.html"
echo "html report: $root/loads-report.html"
echo
echo "+ loads-runner example.TestWebSite.test_something --server-url $url -u 20 --hits 10"
LOADS_PATH=build/release/lib build/release/bin/loads-runner example.TestWebSite.test_something \
    --server-url "$url" -u 20 --hits 10
