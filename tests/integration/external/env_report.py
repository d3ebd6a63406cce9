"""Fixture runner: reports what loads gave it, as counters, so the run's summary shows it.

For each LOADS_* environment variable one incr_counter named `NAME=value` (e.g.
`LOADS_TOTAL_USERS=3`), plus `cwd=<its working directory>` and `argv<i>=<argument i>` for each
argument (to check how the --test-runner command was split). Then one startTest/addSuccess/stopTest
per hit (LOADS_TOTAL_HITS), or in duration mode one every 0.1 s for LOADS_DURATION seconds.
Exit 0."""
import os
import sys
import time

from protocol import Push

push = Push()
for name, value in sorted(os.environ.items()):
    if name.startswith("LOADS_"):
        push.send("incr_counter", name=f"{name}={value}")
push.send("incr_counter", name=f"cwd={os.getcwd()}")
for i, arg in enumerate(sys.argv[1:], 1):
    push.send("incr_counter", name=f"argv{i}={arg}")
if push.duration is None:
    for push.hit in range(1, push.hits + 1):
        push.success()
else:
    deadline = time.monotonic() + push.duration
    while time.monotonic() < deadline:
        push.hit += 1
        push.success()
        time.sleep(0.1)
push.close()
