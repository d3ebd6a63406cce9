"""What the Python benchmarks of tools/bench share: the build to measure, an nginx on loopback,
the memory and CPU of a running process read from /proc, and Locust as a peer."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir(given=None, targets=("loads-runner", "bench")):
    """`given`, else build/release, configured and built for `targets` (Release: benchmarks never
    measure a debug build)."""
    if given:
        return given
    build = os.path.join(ROOT, "build", "release")
    subprocess.run(["cmake", "--preset", "release", "-S", ROOT, "-DLOADS_BUILD_TESTS=OFF"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build, "--target", *targets], check=True, stdout=subprocess.DEVNULL)
    return build


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx with one worker on a free loopback port, answering a short 200 to everything;
    `connections` sizes its connection table, with room to spare: nginx short of free connections
    closes idle kept-alive ones, which the load tester would see as errors."""

    def __init__(self, connections=4096, cpu=None, log_times=False):
        """log_times: log each request's time ($msec) to `self.access_log`, to count and pace
        what a tool sent by the server's own account."""
        self.dir = tempfile.mkdtemp(prefix="loads-bench-nginx-")
        self.port = free_port()
        self.access_log = os.path.join(self.dir, "access.log")
        log = f"log_format times '$msec';\n    access_log {self.access_log} times buffer=256k flush=1s;" \
            if log_times else "access_log off;"
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""daemon off;
worker_processes 1;
error_log {self.dir}/error.log;
pid {self.dir}/nginx.pid;
events {{ worker_connections {connections * 2 + 100}; }}
http {{
    {log}
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{self.port} backlog=16384;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
        command = ["nginx", "-c", os.path.join(self.dir, "nginx.conf"), "-p", self.dir]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu), *command]
        self.proc = subprocess.Popen(command)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/"

    def request_times(self):
        """Every request's time ($msec) logged since the last call (nginx flushes its buffer once a
        second: call it a second or more after the load ends). Needs log_times."""
        with open(self.access_log, "r+") as f:
            times = [float(line) for line in f if line.strip()]
            f.truncate(0)
        return times

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        subprocess.run(["rm", "-rf", self.dir])


def memory_kib(pid):
    """(VmRSS, VmHWM) of a live process in KiB, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


def watch_memory(proc, period=0.25):
    """Samples `proc`'s memory until it exits: [(seconds since the start, RSS KiB)] and the peak
    (the kernel's high-water mark) in KiB."""
    started = time.monotonic()
    samples, peak = [], 0
    while proc.poll() is None:
        m = memory_kib(proc.pid)
        if m:
            samples.append((time.monotonic() - started, m[0]))
            peak = max(peak, m[1])
        time.sleep(period)
    return samples, peak


def own_cpu_seconds(pid):
    """User+sys CPU of `pid` itself, not its children (a zombie still has it), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_keeping_cpu(proc):
    """Waits for `proc` to exit without reaping it, reads its own CPU seconds, then reaps it."""
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
    cpu = own_cpu_seconds(proc.pid)
    proc.wait()
    return cpu


def run_locust(url, users, duration, workdir, locustfile_text, cpu=None, watch=None):
    """Runs Locust (Debian's python3-locust, under /usr/bin/python3) headless against `url` with
    `users` users of `locustfile_text`, all spawned at once, for `duration` seconds after the last
    is spawned. `cpu` pins it; `watch(proc)`, if given, is called while it runs and its result is
    returned. Returns (requests, the seconds Locust counts them over, watch's result).

    No --run-time: gevent starts that timer from a clock read before a slow start-up, so on a busy
    box the run ended at once. It is stopped here instead (SIGTERM: Locust stops and writes its
    statistics)."""
    locustfile = os.path.join(workdir, "locustfile.py")
    with open(locustfile, "w") as f:
        f.write(locustfile_text)
    stats = os.path.join(workdir, "locust")
    log = os.path.join(workdir, "locust.log")
    command = ["/usr/bin/python3", "-m", "locust", "-f", locustfile, "--headless", "-u", str(users), "-r",
               str(users), "--host", url, "--only-summary", "--csv", stats]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    with open(log, "w") as log_file:  # a file, not a pipe: Locust logs a lot while it is watched
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file)
        stopped = []

        def stop_after_spawning():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                with open(log) as f:
                    if "All users spawned" in f.read():
                        break
                time.sleep(0.1)
            time.sleep(duration)
            stopped.append(time.monotonic())
            proc.send_signal(signal.SIGTERM)

        stopper = threading.Thread(target=stop_after_spawning)
        stopper.start()
        watched = watch(proc) if watch else proc.wait()
        stopper.join()
    with open(log) as f:
        err = f.read()
    requests, rate = 0, 0.0
    with open(stats + "_stats.csv") as f:
        for line in f:
            if ",Aggregated," in line:
                fields = line.split(",")
                requests, rate = int(fields[2]), float(fields[9])  # Request Count, Requests/s
    if requests == 0 or rate <= 0:
        sys.exit(f"locust made no request: {err[-2000:]}")
    # Locust's own rate runs from its first user, not from the start of Python: its start-up is
    # not held against it.
    return requests, min(requests / rate, stopped[0] - started), watched
