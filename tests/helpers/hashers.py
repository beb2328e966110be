"""A cheap Argon2 for the live servers of the end-to-end suite.

Django's Argon2 (t=2, 100 MiB, 8 lanes) costs about 0.25 s of CPU per hash, and the
end-to-end suite hashes several hundred passwords that nothing there measures: the
same argon2-cffi code path with the cheapest parameters keeps every behaviour
(hashing, verifying, upgrading) at a fraction of the cost. The deployed parameters
are pinned by tests/authfort_django/test_security_passwords.py and timed by
bench/login_timing.py.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024  # KiB
    parallelism = 1
