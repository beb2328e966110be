"""Password hashers that count their work, to prove which paths run them."""

from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher


class _Counting:
    """Counts encode and verify calls on the concrete class (`calls`), then hashes as usual."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)


class CountingHasher(_Counting, MD5PasswordHasher):
    algorithm = "counting_md5"
    calls = 0


class CountingArgon2Hasher(_Counting, Argon2PasswordHasher):
    """The deployed hasher, unchanged, counting its calls."""

    calls = 0
