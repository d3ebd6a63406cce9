"""An independent reading of the runner's wire format for figures (host/src/results/stats_codec.cpp), and
the histogram arithmetic of host/src/results/histogram.cpp, so tests can check what agents send and what
the broker merges without trusting the code under test."""
import math
import struct


def decode_stats(data):
    """An encoded RunStats (host/src/results/stats_codec.cpp), read independently: totals, the latency
    histogram as {bucket index: count} with its sum/min/max, per-URL hits and counters."""
    pos = 4
    assert data[:4] == b"LDS3", data[:4]

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def text():
        nonlocal pos
        (n,) = take("I")
        s = data[pos:pos + n].decode("utf-8", "replace")
        pos += n
        return s

    def histogram():
        total, low, high, n = take("QQQI")
        buckets = {}
        for _ in range(n):
            index, count = take("IQ")
            buckets[index] = count
        return {"sum": total, "min": low, "max": high, "buckets": buckets}

    names = ["successes", "failures", "errors", "tests_finished", "cancelled", "sockets_opened",
             "sockets_closed", "socket_bytes", "malformed_messages", "arrivals", "dropped_arrivals"]
    out = dict(zip(names, take("11Q")))
    out["latency"] = histogram()
    out["service_time"] = histogram()
    out["hits"] = sum(out["latency"]["buckets"].values())
    out["urls"] = {}
    for _ in range(take("I")[0]):
        url = text()
        hits, _successes = take("QQ")
        histogram()
        for _ in range(take("I")[0]):
            take("IQ")
        out["urls"][url] = hits
    out["counters"] = {}
    for _ in range(take("I")[0]):
        name = text()
        out["counters"][name] = take("q")[0]
    for _ in range(take("I")[0]):
        take("B")
        text(), text(), text()
        take("Q")
    assert pos == len(data), (pos, len(data))
    return out


def merge_histograms(histograms):
    merged = {"sum": 0, "min": None, "max": 0, "buckets": {}}
    for h in histograms:
        if not h["buckets"]:
            continue
        merged["sum"] += h["sum"]
        merged["min"] = h["min"] if merged["min"] is None else min(merged["min"], h["min"])
        merged["max"] = max(merged["max"], h["max"])
        for index, count in h["buckets"].items():
            merged["buckets"][index] = merged["buckets"].get(index, 0) + count
    return merged


def bucket_range(index):
    """The values (µs) bucket `index` holds: 1 µs buckets below 2048, then 1024 per power of two."""
    if index < 2048:
        return index, index
    shift = index // 1024 - 1
    low = (index % 1024 + 1024) << shift
    return low, low + (1 << shift) - 1


def value_at_percentile(h, percentile):
    """Nearest-rank percentile of a merged histogram, the bucket's midpoint clamped to [min, max]."""
    count = sum(h["buckets"].values())
    if count == 0:
        return 0
    if percentile >= 100:
        return h["max"]
    rank = max(1, math.ceil(percentile / 100.0 * count))
    seen = 0
    for index in sorted(h["buckets"]):
        seen += h["buckets"][index]
        if seen >= rank:
            low, high = bucket_range(index)
            return min(max(low + (high - low) // 2, h["min"]), h["max"])
    return h["max"]
