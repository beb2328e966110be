"""Docker HEALTHCHECK: GET /health with a Host header the server accepts."""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip() or "localhost"
if host.startswith("."):
    host = host[1:]
request = urllib.request.Request("http://127.0.0.1:8000/health", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception:  # noqa: BLE001 - any failure is "unhealthy"
    sys.exit(1)
