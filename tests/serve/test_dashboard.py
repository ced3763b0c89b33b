#!/usr/bin/env python3
"""The `mloda serve` dashboard in a real browser (Debian's headless Chromium, driven through
chromedriver's WebDriver HTTP API with the standard library only).

The test starts `BUILD/mloda serve` on the bundled sensor request (examples/data) on a free
loopback port, opens the dashboard, waits until the page has subscribed to the feed, posts
five micro-batches of examples/data/sensor_batches.ndjson to POST /v1/feed/sensors, waits
until the page shows the last one and then reads the page's DOM: one panel per feature
group of the plan, each showing the last batch's values (the simple columns checked
against values worked out here from the batch; every column against the same batch run
through POST /v1/run/sensors), and a line chart with one point per batch for each numeric
column. A screenshot is kept as BUILD/test-artifacts/dashboard.png. The server, chromedriver
and the browser are always stopped, also when a check fails.

    tests/serve/test_dashboard.py BUILD_DIR
Prints "ok  name" / "FAIL name: why" lines and "# dashboard: N passed, N failed".
"""
import base64
import html.parser
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1300,1100"]
GROUPS = ["ApiInputDataFeature", "AggregatedFeatureGroup", "MissingValueFeatureGroup",
          "TimeWindowFeatureGroup", "EncodingFeatureGroup"]
N_BATCHES = 5

passed = 0
failed = 0


def check(name, cond, why=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))
    sys.stdout.flush()
    return cond


def http(method, url, body=None, headers=None, timeout=30):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(fn, seconds, step=0.05):
    until = time.time() + seconds
    while time.time() < until:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


class WebDriver:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.session = None

    def call(self, method, path, payload=None):
        body = json.dumps(payload).encode() if payload is not None else None
        status, data = http(method, self.base + path, body,
                            {"Content-Type": "application/json"}, timeout=60)
        value = json.loads(data.decode() or "{}").get("value")
        if status != 200:
            raise RuntimeError("webdriver %s %s: %s %s" % (method, path, status, value))
        return value

    def start(self, user_data_dir):
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": CHROME_FLAGS + ["--user-data-dir=" + user_data_dir]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def do(self, method, path, payload=None):
        return self.call(method, "/session/%s%s" % (self.session, path), payload)

    def script(self, code):
        return self.do("POST", "/execute/sync", {"script": code, "args": []})

    def stop(self):
        if self.session:
            try:
                self.call("DELETE", "/session/" + self.session)
            except Exception:
                pass
            self.session = None


class Dom(html.parser.HTMLParser):
    """Panels (section.panel), their cells (td data-column/data-value) and charts."""

    def __init__(self):
        super().__init__()
        self.panels = []
        self.cur = None
        self.chart_col = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "panel" in (a.get("class") or ""):
            self.cur = {"group": a.get("data-group"), "batch": a.get("data-batch"),
                        "cells": {}, "charts": {}}
            self.panels.append(self.cur)
        elif tag == "td" and self.cur is not None and "data-column" in a:
            self.cur["cells"].setdefault(a["data-column"], []).append(json.loads(a["data-value"]))
        elif tag == "div" and self.cur is not None and a.get("class") == "chart":
            self.chart_col = a.get("data-column")
        elif tag == "svg" and self.cur is not None and self.chart_col is not None:
            self.cur["charts"][self.chart_col] = int(a.get("data-points", "0"))
            self.chart_col = None


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or abs(a - b) <= max(1e-12, 1e-9 * max(abs(a), abs(b)))
    return a == b


def main():
    if len(sys.argv) != 2:
        print("usage: test_dashboard.py BUILD_DIR", file=sys.stderr)
        return 2
    build = os.path.abspath(sys.argv[1])
    mloda = os.path.join(build, "mloda")
    artifacts = os.path.join(build, "test-artifacts")
    os.makedirs(artifacts, exist_ok=True)
    for tool in ("/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"):
        if not os.path.exists(tool):
            check("dashboard: browser available", False,
                  tool + " is missing (scripts/deps.sh installs chromium and chromium-driver)")
            print("# dashboard: %d passed, %d failed" % (passed, failed))
            return 1
    request = os.path.join(ROOT, "examples", "data", "sensor_request.json")
    with open(os.path.join(ROOT, "examples", "data", "sensor_batches.ndjson")) as f:
        batches = [line.strip() for line in f if line.strip()][:N_BATCHES]

    tmp = tempfile.mkdtemp(prefix="mloda_dashboard_")
    server = driver_proc = None
    wd = None
    log_path = os.path.join(tmp, "server.log")
    try:
        log = open(log_path, "w")
        server = subprocess.Popen([mloda, "serve", "--request", "sensors=" + request,
                                   "--listen", "127.0.0.1:0", "--quiet"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)

        def listening():
            with open(log_path) as f:
                for line in f:
                    if "listening on http://" in line:
                        return line.split("listening on ")[1].split("/ ")[0]
            return None
        url = wait_until(listening, 60)
        if not check("dashboard: the server starts", url is not None, open(log_path).read()):
            return 1

        port = free_port()
        driver_proc = subprocess.Popen([shutil.which("chromedriver") or "/usr/bin/chromedriver",
                                        "--port=%d" % port], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wd = WebDriver(port)
        def driver_up():
            try:
                return http("GET", wd.base + "/status", timeout=2)[0] == 200
            except OSError:  # not listening yet
                return driver_proc.poll() is not None and None
        ready = wait_until(driver_up, 30, 0.1)
        if not check("dashboard: chromedriver starts", ready):
            return 1
        wd.start(os.path.join(tmp, "profile"))
        wd.do("POST", "/url", {"url": url + "/?name=sensors"})
        subscribed = wait_until(lambda: wd.script(
            "return document.body.getAttribute('data-subscribed');") == "sensors", 30)
        check("dashboard: the page subscribes to the feed", subscribed)

        last = None
        for i, b in enumerate(batches):
            status, body = http("POST", url + "/v1/feed/sensors", b.encode())
            check("dashboard: feed batch %d accepted" % i, status == 200, body)
            last = json.loads(body.decode())["batch"]
            time.sleep(0.05)  # let the page draw each batch (the chart keeps one point per batch)
        shown = wait_until(lambda: wd.script(
            "return document.body.getAttribute('data-last-batch') === '%d' && "
            "document.querySelectorAll('section.panel').length === %d;" % (last, len(GROUPS))), 30)
        check("dashboard: the page shows the last batch", shown)

        png = base64.b64decode(wd.do("GET", "/screenshot"))
        shot = os.path.join(artifacts, "dashboard.png")
        with open(shot, "wb") as f:
            f.write(png)
        check("dashboard: screenshot kept", png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000,
              "%d bytes" % len(png))
        dom_text = wd.do("GET", "/source")
        with open(os.path.join(artifacts, "dashboard.html"), "w") as f:
            f.write(dom_text)
        dom = Dom()
        dom.feed(dom_text)

        # one panel per feature group of the plan
        groups = [p["group"] for p in dom.panels]
        check("dashboard: one panel per group", sorted(groups) == sorted(GROUPS), groups)
        check("dashboard: every panel shows the last batch",
              all(p["batch"] == str(last) for p in dom.panels), [p["batch"] for p in dom.panels])

        # values worked out here from the last batch
        data = json.loads(batches[-1])["SensorData"]
        temps = data["temperature"]
        valid = [t for t in temps if t is not None]
        by_group = {p["group"]: p for p in dom.panels}
        api = by_group.get("ApiInputDataFeature", {"cells": {}})
        check("dashboard: temperature as sent", len(api["cells"].get("temperature", [])) == len(temps)
              and all(same(a, b) for a, b in zip(api["cells"]["temperature"], temps)),
              api["cells"].get("temperature"))
        agg = by_group.get("AggregatedFeatureGroup", {"cells": {}})
        mean = sum(valid) / len(valid)
        check("dashboard: temperature__mean_aggr",
              agg["cells"].get("temperature__mean_aggr") and
              all(same(v, mean) for v in agg["cells"]["temperature__mean_aggr"]),
              (agg["cells"].get("temperature__mean_aggr"), mean))
        check("dashboard: temperature__max_aggr",
              agg["cells"].get("temperature__max_aggr") and
              all(same(v, max(valid)) for v in agg["cells"]["temperature__max_aggr"]),
              agg["cells"].get("temperature__max_aggr"))
        imp = by_group.get("MissingValueFeatureGroup", {"cells": {}})
        want_imp = [t if t is not None else mean for t in temps]
        got_imp = imp["cells"].get("temperature__mean_imputed", [])
        check("dashboard: temperature__mean_imputed", len(got_imp) == len(temps) and
              all(same(a, b) for a, b in zip(got_imp, want_imp)), (got_imp, want_imp))

        # every column of every panel: the same batch through POST /v1/run/sensors
        status, body = http("POST", url + "/v1/run/sensors", batches[-1].encode())
        run = json.loads(body.decode())["tables"] if status == 200 else []
        mismatches = []
        for t in run:
            p = by_group.get(t["group"])
            for col, values in t["columns"].items():
                got = p["cells"].get(col) if p else None
                if got is None or len(got) != len(values) or not all(map(same, got, values)):
                    mismatches.append((t["group"], col, got, values))
        check("dashboard: every column shows the last batch's values", run and not mismatches,
              mismatches[:3])

        # a line chart per numeric column, one point per batch seen
        charts = {(p["group"], c): n for p in dom.panels for c, n in p["charts"].items()}
        check("dashboard: charts for the numeric columns",
              charts.get(("AggregatedFeatureGroup", "temperature__mean_aggr")) == N_BATCHES and
              charts.get(("TimeWindowFeatureGroup",
                          "temperature__mean_imputed__mean_10_minute_window")) == N_BATCHES,
              charts)
    except Exception as e:  # any failure above is a failed check, never a hang
        check("dashboard: no error", False, repr(e))
    finally:
        if wd is not None:
            wd.stop()
        for proc, sig in ((driver_proc, signal.SIGTERM), (server, signal.SIGTERM)):
            if proc is not None and proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if server is not None:
            check("dashboard: the server stops with exit code 0", server.returncode == 0,
                  server.returncode)
        shutil.rmtree(tmp, ignore_errors=True)
    print("# dashboard: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
