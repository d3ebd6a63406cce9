"""Fixture runner that fails after reporting.

    crash.py exit3 | segv | abort

Sends one success per hit (LOADS_TOTAL_HITS) and incr_counter `before-crash`, makes sure they are
delivered, prints `crash.py: about to crash (<how>)` on stdout and stderr (for the log file), then
exits with status 3, or dies of SIGSEGV, or of SIGABRT. No core file is written."""
import os
import resource
import signal
import sys

from protocol import Push

how = sys.argv[1]
push = Push()
for push.hit in range(1, push.hits + 1):
    push.success()
push.send("incr_counter", name="before-crash")
push.close()
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
print(f"crash.py: about to crash ({how})", flush=True)
print(f"crash.py: about to crash ({how}) on stderr", file=sys.stderr, flush=True)
if how == "exit3":
    sys.exit(3)
elif how == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
elif how == "abort":
    os.abort()
sys.exit(f"crash.py: unknown way to crash {how!r}")
