"""Fixture runner that sends many messages just before it exits: N incr_counter `burst` (argument,
default 20000) as fast as it can, then one success, then exit 0 as soon as the socket has
delivered them. The runner must count every one, however late the last ones arrive."""
import json
import sys

from protocol import Push

count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
push = Push()
push.hit = 1
frame = push.message("incr_counter", name="burst")
data = json.dumps(frame).encode()
for _ in range(count):
    push.send_raw(data)
push.success()
push.close()
