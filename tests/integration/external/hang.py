"""Fixture runner that never exits.

    hang.py PID_DIR [ignore-term] [child]

Sends incr_counter `hang-started` (delivered at once), writes its pid to PID_DIR/<pid>.pid, then
sleeps forever. With `ignore-term` it ignores SIGTERM (so only SIGKILL ends it); with `child` it
first starts a `sleep` child (in its process group), whose pid goes to PID_DIR/<pid>.child, so
the test can check that the whole group was ended."""
import os
import signal
import subprocess
import sys
import time

from protocol import Push

pid_dir = sys.argv[1]
options = sys.argv[2:]
if "ignore-term" in options:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
push = Push()
push.send("incr_counter", name="hang-started")
push.close()
if "child" in options:
    child = subprocess.Popen(["sleep", "1000"])
    with open(os.path.join(pid_dir, f"{os.getpid()}.child"), "w") as f:
        f.write(str(child.pid))
# Written last: once the test sees the pid file, everything above has happened.
with open(os.path.join(pid_dir, f"{os.getpid()}.tmp"), "w") as f:
    f.write(str(os.getpid()))
os.rename(os.path.join(pid_dir, f"{os.getpid()}.tmp"), os.path.join(pid_dir, f"{os.getpid()}.pid"))
print("hang.py: hanging", flush=True)
while True:
    time.sleep(1000)
