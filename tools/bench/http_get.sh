#!/usr/bin/env bash
# Benchmark: loads-runner against wrk, side by side, on the same nginx on loopback.
#
#   tools/bench/http_get.sh [--duration S] [--connections N] [--rounds R] [--no-build] [-- RUNNER ARGS]
#
# Arguments after `--` go to loads-runner, e.g. `-- --output file --output-file-filename /dev/null`
# to measure the cost of an output that takes every event.
#
# nginx (one worker process, pinned to CPU 0) answers a short 200. wrk -t1 -cN and loads-runner
# --threads 1 -u N (one GET + one assertEqual per test, plugins/bench), both pinned to CPU 1,
# take turns for R rounds of S seconds (default 7 of 5 s: this VM's speed drifts over tens of
# seconds, and short alternating rounds let both tools see the same drift); the script prints
# each round, the medians and their ratio, and the median of the rounds' own ratios. Then Locust's FastHttpUser (locust_get.py), the same N users and test, once, also on
# CPU 1, with the ratio loads/Locust. Build type: the `release` preset.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
duration=5
connections=100
rounds=7
build=1
runner_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --) shift; runner_args=("$@"); break ;;
        *) echo "usage: $0 [--duration S] [--connections N] [--rounds R] [--no-build] [-- RUNNER ARGS]" >&2; exit 2 ;;
    esac
done

"$root/tools/install-deps.sh" --bench
if ((build)); then
    cmake --preset release -S "$root" -DLOADS_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build/release" --target loads-runner bench >/dev/null  # the outputs come with the runner
fi
runner="$root/build/release/bin/loads-runner"
libdir="$root/build/release/lib"

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
error_log $work/error.log;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$port;
        location / { return 200 "ok\n"; }
    }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
cleanup() { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
url="http://127.0.0.1:$port/"

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

wrk_all=""
loads_all=""
ratios_all=""
for round in $(seq "$rounds"); do
    wrk_out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" "$url")
    wrk_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$wrk_out")

    loads_out=$(LOADS_PATH="$libdir" taskset -c 1 "$runner" bench.Bench.test_get --server-url "$url" --threads 1 \
        -u "$connections" -d "$duration" ${runner_args[@]+"${runner_args[@]}"})
    hits=$(awk '/^Hits:/ {print $2}' <<<"$loads_out")
    secs=$(awk '/^Duration:/ {print $2}' <<<"$loads_out")
    failed=$(awk '/^(Errors|Failures):/ {n += $2} END {print n + 0}' <<<"$loads_out")
    loads_rps=$(awk -v h="$hits" -v s="$secs" 'BEGIN {printf "%.0f", h / s}')
    echo "round $round: wrk $wrk_rps req/s, loads-runner $loads_rps req/s ($hits hits, $failed failed tests)"
    wrk_all+="$wrk_rps"$'\n'
    loads_all+="$loads_rps"$'\n'
    ratios_all+="$(awk -v l="$loads_rps" -v w="$wrk_rps" 'BEGIN {printf "%.3f", l / w}')"$'\n'
done
wrk_median=$(printf '%s' "$wrk_all" | median)
loads_median=$(printf '%s' "$loads_all" | median)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); nginx: 1 worker on CPU 0; clients on CPU 1"
echo "wrk -t1 -c$connections -d${duration}s (median of $rounds):                 $wrk_median req/s"
echo "loads-runner --threads 1 -u $connections -d $duration${runner_args[*]:+ ${runner_args[*]}} (median of $rounds): $loads_median req/s"
awk -v l="$loads_median" -v w="$wrk_median" 'BEGIN {printf "ratio loads/wrk: %.2f\n", l / w}'
echo "median of the rounds' own ratios: $(printf '%s' "$ratios_all" | median)"
read -r locust_rps locust_requests locust_seconds < <(/usr/bin/python3 "$root/tools/bench/locust_get.py" "$url" \
    "$connections" "$duration" 1)
echo "Locust FastHttpUser, $connections users, $duration s (once): $locust_rps req/s ($locust_requests requests in $locust_seconds s)"
awk -v l="$loads_median" -v p="$locust_rps" 'BEGIN {printf "ratio loads/Locust: %.1f\n", l / p}'
