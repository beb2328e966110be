"""`make bench`: the five sections, one table, also written to bench/results/latest.md.

    .venv/bin/python bench/run.py [--quick] [--only 1,3]

Each section runs as its own process (bench/verify.py, http_overhead.py,
server.py, signing.py, client_credentials.py): one pins itself to a core, others set up Django with
different settings. Each hands back its rows as JSON; this script prints them as
one table, with each section's method and, to close, where we are behind a peer.
Section 3 needs PostgreSQL (BENCH_DATABASE_URL, default the local server).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.report import Section, findings, methods, table  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.md"

# script, full-run arguments, --quick arguments (a smoke run of the whole suite)
SECTIONS = {
    1: ("verify.py", [], ["--rounds", "2", "--seconds", "0.1", "--tokens", "200"]),
    2: ("http_overhead.py", [], ["--rounds", "1", "--seconds", "1"]),
    3: ("server.py", [], ["--rounds", "1", "--seconds", "1", "--logins", "3"]),
    4: ("signing.py", [], ["--rounds", "2", "--seconds", "0.1"]),
    5: ("client_credentials.py", [], ["--rounds", "1", "--seconds", "0.5", "--calls", "50"]),
}


def ensure_wrk() -> None:
    """Install wrk where we may (root with apt-get), else say how; the Python fallback still runs."""
    if shutil.which("wrk"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: installing wrk (apt-get install -y wrk) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL, check=False)
    if not shutil.which("wrk"):
        print(f"bench: {load.WRK_HINT}", flush=True)


def run_section(number: int, quick: bool, workdir: Path) -> Section:
    script, arguments, quick_arguments = SECTIONS[number]
    out = workdir / f"section-{number}.json"
    command = [sys.executable, str(ROOT / "bench" / script), *(quick_arguments if quick else arguments), "--json", str(out)]
    print(f"bench: section {number} ({script}) ...", flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True)
    print(f"bench: section {number} done in {time.monotonic() - started:.0f} s", flush=True)
    return Section.load(out)


def document(sections: list[Section], quick: bool) -> str:
    header = (
        f"# authfort benchmarks{' (quick smoke run: too few rounds to quote)' if quick else ''}\n\n"
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared with other work; HTTP load: {load.tool()}.\n"
        "Absolute figures are noisy on a shared machine: read the ratios, each taken against a baseline "
        "measured in the same rounds of the same run.\n"
    )
    return "\n".join([
        header,
        table(sections),
        "\n## Method\n",
        methods(sections),
        "## Where we are behind a peer, and why\n",
        findings(sections),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few, short rounds: checks the suite runs")
    parser.add_argument("--only", help="comma-separated section numbers (default: all)")
    args = parser.parse_args()
    numbers = [int(n) for n in args.only.split(",")] if args.only else sorted(SECTIONS)

    ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        sections = [run_section(n, args.quick, Path(tmp)) for n in numbers]
    text = document(sections, args.quick)
    print("\n" + text)
    if args.quick or args.only:
        print(f"bench: partial or quick run, {RESULTS.relative_to(ROOT)} left as it was")
    else:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text)
        print(f"bench: written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
