"""Load: gunicorn (2 workers, bench settings) on a free port under wrk, a mix of the pages with a
signed-in session, then the baseline view, each for the same time at the same concurrency."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings

from .digest import free_port
from .pages import client_for, page_urls

ROOT = Path(__file__).resolve().parent.parent
# wrk's Lua: requests rotate over the paths; done() prints the figures as one JSON line.
SCRIPT = """
local paths = {%(paths)s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Cookie"] = "%(cookie)s", ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "errors": %%d, "p50": %%f, "p95": %%f, "p99": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def _wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {url}")


def _wrk(base, paths, cookie, seconds, users):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie})
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(users),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    return figures


def measure(results, seconds=60, users=32):
    if not shutil.which("wrk"):
        results["notes"].append("load: wrk is not installed (apt-get install -y wrk); not measured")
        return results
    organization, urls = page_urls()
    # One signed-in session for the whole mix: the manager may open every page of it.
    client = client_for("manager", organization)
    paths = [url for _, url in urls.values()]
    client.get(paths[0])  # a browser has its CSRF cookie after its first page: so has wrk
    cookie = "; ".join(
        f"{name}={client.cookies[name].value}"
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "bench.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_until_up(base + "/bench/baseline/")
        for path in paths:  # every page answers 200 for this session before the clock starts
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            status = urllib.request.urlopen(request, timeout=30).status
            if status != 200:
                raise RuntimeError(f"{path} answered {status} under gunicorn")
        _wrk(base, paths, cookie, 3, users)  # warm both workers
        pages = _wrk(base, paths, cookie, seconds, users)
        baseline = _wrk(base, ["/bench/baseline/"], cookie, seconds, users)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["load"] = {
        "rps": pages["rps"],
        "errors": pages["errors"],
        "p50_ms": round(pages["p50"], 1),
        "p95_ms": round(pages["p95"], 1),
        "p99_ms": round(pages["p99"], 1),
        "baseline_rps": baseline["rps"],
        "baseline_errors": baseline["errors"],
        "baseline_p50_ms": round(baseline["p50"], 1),
        "baseline_p95_ms": round(baseline["p95"], 1),
        "baseline_p99_ms": round(baseline["p99"], 1),
        "paths": paths,
        "seconds": seconds,
        "users": users,
    }
    return results
