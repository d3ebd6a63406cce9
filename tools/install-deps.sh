#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and benchmarking loads need.
# Idempotent: packages already present are skipped, and apt is only touched when something is missing.
# Usage: tools/install-deps.sh [--bench] [--test]
#   --bench adds what tools/bench/ runs beside loads: nginx and wrk, Locust (python3-locust) and
#   pyzmq (python3-zmq, for the external runner benchmark), hey and h2load (nghttp2-client: the peers
#   with a rate mode, beside the open model); --test adds headless Chromium (the suite opens
#   the html report and takes a screenshot of it), python3-zmq (tests that speak ZeroMQ to the
#   runner, the broker and agents), nginx-light (the server whose own log checks the open model's
#   pacing), supervisor (the cluster of tools/cluster/supervisord.conf),
#   iproute2 (agents in network namespaces of their own), and the real servers the observers are
#   tested against: ngircd (IRC) and python3-aiosmtpd (SMTP).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  libboost1.81-dev libboost-context1.81-dev libboost-program-options1.81-dev
  libzmq3-dev cppzmq-dev libsimdjson-dev doctest-dev libssl-dev openssl ca-certificates libsqlite3-dev
  python3
)
for flag in "$@"; do
  case "$flag" in
    --bench) packages+=(nginx-light wrk python3-locust python3-zmq hey nghttp2-client) ;;
    --test) packages+=(chromium fonts-dejavu-core python3-zmq supervisor iproute2 ngircd python3-aiosmtpd nginx-light) ;;
    *) echo "install-deps: unknown option $flag (use --bench and/or --test)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root, or install them yourself)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
