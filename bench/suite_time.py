"""How long does `make test` take, and how fast was the machine while it ran?

The wall time of the suite says little on its own on a shared machine: the same fixed
loop of pure Python takes from about 1.5 s to 2.5 s here from one hour to the next. So
this times that loop (best of five) right before and right after the suite and prints
the suite's wall time next to it, and their ratio: the suite's cost in loops, which
stays put while the machine speeds up or slows down.

    .venv/bin/python bench/suite_time.py                 # make test, SQLite
    .venv/bin/python bench/suite_time.py --hog           # with a CPU hog beside it
    .venv/bin/python bench/suite_time.py -- make e2e     # any other command

Exits with the command's status. The command's own output goes to a file (printed path).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOP = 20_000_000  # about 1.5 to 2.5 s of one core here
HOG = "while True: pass"


def calibration_seconds(rounds: int = 5) -> float:
    """Best of `rounds` timings of a fixed pure-Python loop, in a fresh interpreter."""
    code = f"import time\nt = time.perf_counter()\ns = 0\nfor i in range({LOOP}): s += i\nprint(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hog", action="store_true", help="run a busy loop on one core meanwhile")
    parser.add_argument("command", nargs="*", default=["make", "test"])
    args = parser.parse_args()
    # SQLite and the local-memory cache, as `make test` on a fresh machine.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}

    before = calibration_seconds()
    hog = subprocess.Popen([sys.executable, "-c", HOG]) if args.hog else None
    try:
        started = time.monotonic()
        # Kept after the run (delete=False): the summary line is read back, and the path printed.
        with tempfile.NamedTemporaryFile("w", prefix="suite-time-", suffix=".log", delete=False) as output:
            status = subprocess.run(args.command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT).returncode
        wall = time.monotonic() - started
        log = Path(output.name)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    after = calibration_seconds()

    summary = [line for line in log.read_text().splitlines() if " in " in line and ("passed" in line or "failed" in line)]
    print(f"command: {' '.join(args.command)}{' (with a CPU hog)' if args.hog else ''}; exit status {status}")
    print(f"  {summary[-1].strip('= ') if summary else 'no pytest summary'}")
    print(f"  wall {wall:.1f} s; calibration loop {before:.2f} s before, {after:.2f} s after")
    print(f"  ratio wall / mean calibration: {wall / ((before + after) / 2):.1f} loops")
    print(f"  output: {log}")
    return status


if __name__ == "__main__":
    sys.exit(main())
