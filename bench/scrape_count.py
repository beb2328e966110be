"""What /metrics' key-rotation count costs on a large audit log, with and without its index.

Every scrape counts the `key_created` audit events; the audit log gains a row per
login and refresh and is never purged. This creates a throw-away PostgreSQL
database, fills its audit log with ROWS events (one in 50,000 a key creation),
times the collector's count with the partial index `authevent_key_created` and
after dropping it, and drops the database.

    .venv/bin/python bench/scrape_count.py   [BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1_000_000
ROUNDS = 15


def main() -> None:
    import psycopg

    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"authfort_scrape_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        with psycopg.connect(url, autocommit=True) as db:
            db.execute(
                "INSERT INTO authfort_django_authevent (type, user_agent, created_at, detail) "
                "SELECT CASE WHEN g % 50000 = 0 THEN 'key_created' ELSE 'login_succeeded' END, '', now(), '{}' "
                f"FROM generate_series(1, {ROWS}) g"
            )
            db.execute("VACUUM ANALYZE authfort_django_authevent")
            count = "SELECT count(*) FROM authfort_django_authevent WHERE type = 'key_created'"
            with_index = _median_ms(db, count)
            db.execute("DROP INDEX authevent_key_created")
            without_index = _median_ms(db, count)
        print(f"audit log of {ROWS:,} rows; median of {ROUNDS} counts of key_created (the /metrics query):")
        print(f"  with the partial index {with_index:.2f} ms, without {without_index:.2f} ms, "
              f"{without_index / with_index:.0f}x")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _median_ms(db, sql: str) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        db.execute(sql).fetchone()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
