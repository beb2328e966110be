"""Run the bare project: `python smoke.py <settings module> [serve]`; prints one JSON line.

Always: the authfort check ids and their hints. With `serve`: `manage.py check` passes, the
migrations apply, a signing key is made, and /auth/register and /auth/login answer
through Django's full request handling. Used by tests/authfort_django/test_extras.py
(with the extras' modules blocked) and by .ci/check_packages.sh (in a virtualenv that
holds only the bare wheel).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]

import django  # noqa: E402

django.setup()

from django.core.checks import run_checks  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

authfort_checks = sorted((m.id, m.hint or "") for m in run_checks() if m.id and m.id.startswith("authfort."))
report = {"check_ids": [check_id for check_id, _ in authfort_checks], "hints": dict(authfort_checks)}
if sys.argv[2:] == ["serve"]:
    call_command("check", verbosity=0)  # SystemCheckError on any error
    call_command("migrate", verbosity=0)
    call_command("rotate_keys", "--if-none", verbosity=0)
    client = Client()
    account = {"email": "ada@example.com", "password": "correct horse battery staple"}
    registered = client.post("/auth/register", json.dumps(account), content_type="application/json")
    login = client.post("/auth/login", json.dumps(account), content_type="application/json")
    report.update(
        register=registered.status_code,
        login=login.status_code,
        token_type=login.json().get("token_type"),
        has_access_token=bool(login.json().get("access_token")),
        metrics=client.get("/metrics").status_code,
        schema=client.get("/api/schema").status_code,
        docs=client.get("/api/docs").status_code,
    )
report["app_file"] = sys.modules["authfort_django"].__file__
report["loaded_extras"] = sorted(
    {name.partition(".")[0] for name in sys.modules}
    & {"environ", "prometheus_client", "drf_spectacular", "drf_spectacular_sidecar", "opentelemetry", "argon2"}
)
print(json.dumps(report))
