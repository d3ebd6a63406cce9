"""The html output: a real load written as one self-contained page, then opened in headless
Chromium, whose DOM must hold the four charts with data and whose screenshot must show them.

Chromium (Debian package `chromium`) is required: without it this test fails, it does not skip."""
import collections
import html.parser
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
import zlib

import harness

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 120
CHARTS = ("chart-rps", "chart-latency", "chart-errors", "chart-statuses")
# Colours the report draws with (see outputs/html/report.cpp).
GREEN = (0x3A, 0x9A, 0x5B)
ORANGE = (0xE0, 0x8A, 0x1E)
RED = (0xC8, 0x37, 0x2D)


class Page(html.parser.HTMLParser):
    """The parts of a report the checks need: the data elements of each chart (their attributes,
    with their tooltip as "title"), every tag seen and the visible text."""

    def __init__(self, source):
        super().__init__()
        self.charts = {}
        self.tags = collections.Counter()
        self.links = []  # every src and href: a self-contained page has none
        self.text = []
        self._chart = None
        self._element = None  # the attributes of the data element being read
        self._in_title = False
        self.feed(source)
        self.text = "".join(self.text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] += 1
        self.links += [value for name, value in attrs.items() if name in ("src", "href")]
        self._in_title = tag == "title" and self._element is not None
        if tag == "svg":
            self._chart = attrs.get("id")
            self.charts[self._chart] = []
        elif self._chart is not None and "data" in (attrs.get("class") or "").split():
            self._element = attrs
            self.charts[self._chart].append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "svg":
            self._chart = None
        elif tag in ("polyline", "circle", "rect"):
            self._element = None
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self._element["title"] = self._element.get("title", "") + data
        self.text.append(data)

    def data(self, chart, tag):
        return [attrs for t, attrs in self.charts.get(chart, []) if t == tag]

    def polyline_lengths(self, chart):
        return [len(a.get("points", "").split()) for a in self.data(chart, "polyline")]

    def tooltips(self, chart, tag):
        return [a.get("title", "") for a in self.data(chart, tag)]


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, in pure Python. Every chunk's
    CRC is checked: a truncated or corrupt file fails here."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError("not a PNG file")
    pos, header, idat = 8, None, []
    while True:
        if pos + 12 > len(data):
            raise AssertionError("PNG ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise AssertionError(f"bad CRC in PNG chunk {kind!r}")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise AssertionError(f"unexpected PNG format: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise AssertionError("PNG image data has the wrong size")
    # Byte-wise addition of whole rows at once (no carry between bytes), for the Up filter.
    high = int.from_bytes(b"\x80" * stride, "little")
    low = int.from_bytes(b"\x7f" * stride, "little")
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 0xFF
        elif kind == 2:
            a, b = int.from_bytes(line, "little"), int.from_bytes(prev, "little")
            line = bytearray((((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "little"))
        elif kind == 3:
            for x in range(stride):
                left = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((left + prev[x]) >> 1)) & 0xFF
        elif kind == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif kind != 0:
            raise AssertionError(f"unknown PNG filter {kind} in row {y}")
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


class HtmlReport(harness.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(threads=2)
        cls.tmp = tempfile.mkdtemp(prefix="loads-html-")
        cls.report = os.path.join(cls.tmp, "report.html")
        # fixtures.Report.test_mixed: per user, a pass (GET, web socket, counter), a failure (a
        # 404), then errors whose message holds HTML's special characters.
        cls.run_result = harness.run("fixtures.Report.test_mixed", "--server-url", cls.server.url, "-u", "4",
                                     "--duration", "3", "--output", "html", "--output-html-filename", cls.report)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def source(self):
        self.assertRun(self.run_result, 1)  # the failures and errors make the run fail
        with open(self.report, encoding="utf-8") as f:
            return f.read()

    def chromium(self, *args):
        """Runs headless Chromium on the report with a throwaway profile; its stdout."""
        if not os.access(CHROMIUM, os.X_OK):
            self.fail(f"{CHROMIUM} not found: install the Debian package 'chromium' (tools/install-deps.sh does)")
        self.source()
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.tmp)
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
             "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--window-size=1280,3000",
             *args, "file://" + self.report],
            capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, f"chromium failed:\n{proc.stderr}")
        return proc.stdout

    def test_report_is_one_self_contained_file_with_the_run(self):
        source = self.source()
        # Nothing to fetch: no scripts, style sheets, images or fonts from elsewhere.
        for needle in ("<script src", "<link", "<img", "<iframe", "@import", "url("):
            self.assertNotIn(needle, source)
        page = Page(source)
        self.assertEqual(page.links, [])
        self.assertIn("fixtures.Report.test_mixed", page.text)
        hits = re.search(r'<div class="label">Hits</div><div class="value">([\d,]+)</div>', source)
        self.assertIsNotNone(hits, "no Hits tile")
        self.assertEqual(int(hits.group(1).replace(",", "")), self.run_result.field("Hits"))
        self.assertIn(f"{self.server.url}/status/404", page.text)  # the per-URL table
        self.assertIn("report-runs", page.text)  # the custom counter
        self.assertIn("--output-html-filename", page.text)  # the run's options
        self.assertIn(self.report, page.text)
        # The error's message is text, escaped: no <tag> element came out of it.
        self.assertIn('bad <tag> & "quotes"', page.text)
        self.assertEqual(page.tags["tag"], 0)

    def test_chromium_dom_holds_the_charts_with_data(self):
        page = Page(self.chromium("--dump-dom"))
        for chart in CHARTS:
            self.assertIn(chart, page.charts, f"no <svg id={chart}> in the DOM")
        # Three seconds of load: a point per second or so.
        rps = page.polyline_lengths("chart-rps")
        self.assertTrue(rps and min(rps) >= 3, f"requests/s and tests/s polylines: {rps}")
        latency = page.polyline_lengths("chart-latency")
        self.assertEqual(len(latency), 3, "p50, p90 and p99")
        self.assertTrue(min(latency) >= 3, f"latency polylines: {latency}")
        errors = page.polyline_lengths("chart-errors")
        self.assertTrue(errors and max(errors) >= 3, f"errors polylines: {errors}")
        # The test errs from its third run on: every interval has some.
        problems = [t for t in page.tooltips("chart-errors", "circle") if t.startswith("failures + errors")]
        self.assertTrue(problems, "no points on the failures + errors line")
        self.assertTrue(all(not t.endswith(": 0 per interval") for t in problems), problems)
        # One bar per status: "200: 12,345" and "404: 4".
        bars = {t.split(":")[0]: int(t.split(": ")[1].replace(",", ""))
                for t in page.tooltips("chart-statuses", "rect")}
        self.assertEqual(bars.get("404"), 4, bars)  # the second run of each of the 4 users
        self.assertGreater(bars.get("200", 0), 100, bars)

    def test_chromium_screenshot_shows_the_page(self):
        png = os.path.join(self.tmp, "report.png")
        self.chromium(f"--screenshot={png}")
        with open(png, "rb") as f:
            width, height, rows = decode_png(f.read())
        self.assertEqual((width, height), (1280, 3000))
        colours = collections.Counter(pixel for row in rows for pixel in row)
        non_white = sum(n for c, n in colours.items() if c != (255, 255, 255))
        self.assertGreater(len(colours), 100, "too few colours: a blank page?")
        self.assertGreater(non_white, width * height // 10)
        # The charts are drawn, not just laid out: the report's colours fill many pixels.
        for name, colour, least in (("green (200 bar)", GREEN, 1000), ("orange (p90 line, 404 badge)", ORANGE, 100),
                                    ("red (p99 and errors lines)", RED, 100)):
            self.assertGreater(colours[colour], least, f"too little {name} in the screenshot")

    def test_short_run_draws_markers_not_empty_boxes(self):
        report = os.path.join(self.tmp, "short.html")
        r = harness.run("fixtures.Report.test_mixed", "--server-url", self.server.url, "-u", "1", "--hits", "3",
                        "--output", "html", "--output-html-filename", report)
        self.assertRun(r, 1)
        with open(report, encoding="utf-8") as f:
            page = Page(f.read())
        # One point per series, drawn as a dot: a polyline of one point would show nothing.
        for chart, series in (("chart-rps", 2), ("chart-latency", 3), ("chart-errors", 2)):
            self.assertEqual(len(page.data(chart, "circle")), series, f"{chart}: one marker per series")
            self.assertEqual(page.data(chart, "polyline"), [])
        self.assertTrue(page.data("chart-statuses", "rect"))

    def test_unwritable_report_fails_before_any_load(self):
        r = harness.run("fixtures.Report.test_mixed", "--server-url", self.server.url, "--duration", "3",
                        "--output", "html", "--output-html-filename", "/nonexistent-dir/x.html")
        self.assertRun(r, 2)
        self.assertEqual(r.out, "")
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r.err)
        self.assertIn("/nonexistent-dir/x.html", lines[0])
        self.assertIn("No such file or directory", lines[0])
        self.assertLess(r.elapsed, 3)


class LoadProfileCharts(harness.ServerTestCase):
    """Ramping stages and the open model: a chart of the target beside what was achieved."""

    def series(self, report, chart):
        """{series name: [values in time order]} from the markers' tooltips ("users at 1.5 s: 3 users")."""
        with open(report, encoding="utf-8") as f:
            page = Page(f.read())
        out = collections.defaultdict(list)
        for title in page.tooltips(chart, "circle"):
            match = re.match(r"(.+) at .*: ([\d,.]+) ", title)
            self.assertIsNotNone(match, title)
            out[match.group(1)].append(float(match.group(2).replace(",", "")))
        return page, out

    def test_user_stages_chart_the_target_beside_the_users_running(self):
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.html")
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url, "--stages",
                            "0s:2,2s:2,2s:6", "--output", "html", "--output-html-filename", report)
            self.assertRun(r, 0)
            page, values = self.series(report, "chart-users")
        self.assertIn("user stages 0s:2, 2s:2, 2s:6", page.text)
        self.assertEqual(len(page.data("chart-users", "polyline")), 2, "target and running users")
        target, users = values["target"], values["users"]
        self.assertGreaterEqual(len(target), 4)
        self.assertEqual(len(target), len(users))
        self.assertEqual(target, sorted(target), "the target only rises")
        self.assertEqual(target[0], 2, "a 0 s stage is a step: 2 users from the start")
        self.assertGreaterEqual(target[-1], 4)  # the mean of the last interval's two ends
        for t, u in zip(target, users):
            self.assertLessEqual(abs(t - u), 1.5, f"target {target}, running {users}")

    def test_rate_stages_chart_the_target_beside_the_achieved_rate(self):
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.html")
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url, "--rate-stages",
                            "0s:20,2s:20,2s:80", "-u", "4", "--output", "html", "--output-html-filename", report)
            self.assertRun(r, 0)
            page, values = self.series(report, "chart-arrivals")
        self.assertIn("rate stages 0s:20, 2s:20, 2s:80", page.text)
        target, achieved = values["target"], values["arrivals/s achieved"]
        self.assertGreaterEqual(len(target), 4)
        self.assertEqual(target, sorted(target), "the target only rises")
        self.assertGreater(target[-1], 50)
        # Workers hand their figures over every half second, so one interval may hold a little of
        # the next: over the run, the achieved points add up to the target's.
        self.assertEqual(len(achieved), len(target))
        self.assertLess(abs(sum(achieved) - sum(target)), 0.15 * sum(target), f"target {target}, achieved {achieved}")
        self.assertGreater(achieved[-1], 40)


if __name__ == "__main__":
    unittest.main()
