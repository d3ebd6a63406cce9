#!/usr/bin/env bash
# Benchmark: loads-runner against wrk, side by side, on the same nginx on loopback.
#
#   tools/bench/http_get.sh [--duration S] [--connections N] [--rounds R] [--no-build]
#                           [--baseline BUILDDIR] [-- RUNNER ARGS]
#
# --baseline adds a third tool to every round: the loads-runner of another build (the build
# directory of another checkout, e.g. the previous commit's build/release), reported as the ratio
# loads/baseline — how a change is shown to leave throughput unchanged, side by side.
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
baseline=""
runner_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --baseline) baseline="$2"; shift 2 ;;
        --) shift; runner_args=("$@"); break ;;
        *) echo "usage: $0 [--duration S] [--connections N] [--rounds R] [--no-build] [--baseline BUILDDIR] [-- RUNNER ARGS]" >&2; exit 2 ;;
    esac
done

"$root/tools/install-deps.sh" --bench
if ((build)); then
    cmake --preset release -S "$root" -DLOADS_BUILD_TESTS=OFF >/dev/null
    cmake --build "$root/build/release" --target loads-runner bench >/dev/null  # the outputs come with the runner
fi
runner="$root/build/release/bin/loads-runner"
libdir="$root/build/release/lib"
if [[ -n "$baseline" && ! -x "$baseline/bin/loads-runner" ]]; then
    echo "http_get.sh: no loads-runner in the baseline build $baseline/bin" >&2
    exit 2
fi

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

# One loads-runner round: prints "<req/s> <hits> <failed tests>".
loads_round() {
    local out hits secs failed
    out=$(LOADS_PATH="$2" taskset -c 1 "$1" bench.Bench.test_get --server-url "$url" --threads 1 \
        -u "$connections" -d "$duration" ${runner_args[@]+"${runner_args[@]}"}) ||
        { echo "http_get.sh: $1 failed (exit status $?)" >&2; exit 1; }
    hits=$(awk '/^Hits:/ {print $2}' <<<"$out")
    secs=$(awk '/^Duration:/ {print $2}' <<<"$out")
    failed=$(awk '/^(Errors|Failures):/ {n += $2} END {print n + 0}' <<<"$out")
    echo "$(awk -v h="$hits" -v s="$secs" 'BEGIN {printf "%.0f", h / s}') $hits $failed"
}

wrk_all=""
loads_all=""
ratios_all=""
base_all=""
base_ratios_all=""
for round in $(seq "$rounds"); do
    wrk_out=$(taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" "$url")
    wrk_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$wrk_out")
    # With a baseline, the two builds take turns going first, so that neither always gets the
    # later (or earlier) part of the VM's drift.
    if [[ -n "$baseline" ]] && ((round % 2 == 0)); then
        result=$(loads_round "$baseline/bin/loads-runner" "$baseline/lib")  # set -e: a failed round stops here
        read -r base_rps base_hits base_failed <<<"$result"
    fi
    result=$(loads_round "$runner" "$libdir")
    read -r loads_rps hits failed <<<"$result"
    line="round $round: wrk $wrk_rps req/s, loads-runner $loads_rps req/s ($hits hits, $failed failed tests)"
    if [[ -n "$baseline" ]]; then
        if ((round % 2 == 1)); then
            result=$(loads_round "$baseline/bin/loads-runner" "$baseline/lib")
            read -r base_rps base_hits base_failed <<<"$result"
        fi
        line+=", baseline $base_rps req/s ($base_hits hits, $base_failed failed tests)"
        base_all+="$base_rps"$'\n'
        base_ratios_all+="$(awk -v l="$loads_rps" -v b="$base_rps" 'BEGIN {printf "%.3f", l / b}')"$'\n'
    fi
    echo "$line"
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
if [[ -n "$baseline" ]]; then
    base_median=$(printf '%s' "$base_all" | median)
    echo "baseline $baseline (median of $rounds): $base_median req/s"
    awk -v l="$loads_median" -v b="$base_median" 'BEGIN {printf "ratio loads/baseline: %.3f\n", l / b}'
    echo "median of the rounds' own loads/baseline ratios: $(printf '%s' "$base_ratios_all" | median)"
fi
read -r locust_rps locust_requests locust_seconds < <(/usr/bin/python3 "$root/tools/bench/locust_get.py" "$url" \
    "$connections" "$duration" 1)
echo "Locust FastHttpUser, $connections users, $duration s (once): $locust_rps req/s ($locust_requests requests in $locust_seconds s)"
awk -v l="$loads_median" -v p="$locust_rps" 'BEGIN {printf "ratio loads/Locust: %.1f\n", l / p}'
