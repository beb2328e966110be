"""The smallest Django project with the optional "verifier_client" app, for `manage.py check`
in a subprocess. VERIFIER_CLIENT comes as JSON from the environment, so each test picks it."""

import json
import os

SECRET_KEY = "checks-project-only"
INSTALLED_APPS = ["verifier_client"]
DATABASES: dict = {}
USE_TZ = True
if "VERIFIER_CLIENT_JSON" in os.environ:
    VERIFIER_CLIENT = json.loads(os.environ["VERIFIER_CLIENT_JSON"])
