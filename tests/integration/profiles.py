"""Load shapes as the tests check them against a server's log: the stages' level over time and the users a
server saw in each window of time."""
import datetime
import json


def level_at(stages, t):
    """The level of `stages` ((seconds, target) pairs) at t seconds: each ramps linearly from the previous
    target (0 at first) to its own; past the end, the last target."""
    start, level = 0.0, 0.0
    for seconds, target in stages:
        if t < start + seconds:
            return level + (target - level) * (t - start) / seconds
        start, level = start + seconds, target
    return level


def run_start(report):
    """(when the run started in seconds since the epoch, the whole document) of a JSON report."""
    with open(report) as f:
        doc = json.load(f)
    return datetime.datetime.fromisoformat(doc["started"].replace("Z", "+00:00")).timestamp(), doc


def users_per_window(requests, start, window, count):
    """Distinct connections seen by the server in each of `count` windows of `window` s from `start`: the
    users running then, since each holds one keep-alive connection and closes it when it stops."""
    seen = [set() for _ in range(count)]
    for t, connection in requests:
        i = int((t - start) / window)
        if 0 <= i < count:
            seen[i].add(connection)
    return [len(s) for s in seen]


def users_out_of_shape(stages, seen, window, scale=1):
    """The windows whose users lie outside the stages' level (times `scale`, e.g. the agents) at its two
    ends and at any turn inside it, give or take `scale` users: [(window, seen, low, high)]."""
    turns = [sum(s for s, _ in stages[:i + 1]) for i in range(len(stages))]
    bad = []
    for i, n in enumerate(seen):
        a, b = i * window, (i + 1) * window
        points = [a + 0.02, b - 0.02] + [t for t in turns if a < t < b]
        levels = [level_at(stages, t) for t in points]
        low = scale * (int(min(levels) + 1e-9) - 1)
        high = scale * (-int(-(max(levels) - 1e-9)) + 1)
        if not low <= n <= high:
            bad.append((i, n, low, high))
    return bad
