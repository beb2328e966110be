"""HTTP load for GET endpoints: `wrk` when installed, else a bounded Python generator.

    python bench/load.py URL SECONDS CONNECTIONS [HEADER ...]   # the fallback, as its own process

`wrk` is the Debian package of that name (`apt-get install -y wrk`). Without it
the fallback runs in a separate process, so the client's interpreter does not
share a GIL with anything it measures: CONNECTIONS threads, each sending one GET
after another on a fresh connection (gunicorn's sync workers close every
connection anyway), for SECONDS, and prints requests per second. Every answer
must be a 200, else the figure would measure error pages.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

WRK_HINT = (
    "wrk is not installed: using the slower Python load generator (bench/load.py). "
    "For steadier figures: apt-get install -y wrk"
)


def tool() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def requests_per_second(url: str, seconds: float, connections: int = 4, headers: dict[str, str] | None = None) -> float:
    header_args = [f"{name}: {value}" for name, value in (headers or {}).items()]
    if tool() == "wrk":
        # wrk takes whole seconds only.
        command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
        for header in header_args:
            command += ["-H", header]
        result = subprocess.run([*command, url], capture_output=True, text=True)
        if result.returncode != 0:  # not the command line: it holds the bearer token
            raise RuntimeError(f"wrk failed against {url}: {result.stderr.strip() or result.stdout.strip()}")
        output = result.stdout
        if "Non-2xx or 3xx responses" in output:
            raise RuntimeError(f"wrk saw failed requests against {url}:\n{output}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    result = subprocess.run(
        [sys.executable, __file__, url, str(seconds), str(connections), *header_args], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"the load generator failed against {url}: {result.stderr.strip()}")
    return float(result.stdout.strip())


def _generate(url: str, seconds: float, connections: int, header_args: list[str]) -> float:
    parts = urlsplit(url)
    headers = dict(h.split(": ", 1) for h in header_args)
    counts = [0] * connections
    failures: list[int] = []
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        while time.perf_counter() < stop_at:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                conn.request("GET", parts.path or "/", headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failures.append(response.status)
                    return
                counts[index] += 1
            finally:
                conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{url} answered {failures[0]}, not 200")
    return sum(counts) / (time.perf_counter() - start)


if __name__ == "__main__":
    print(_generate(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]))
