"""A password hasher that counts its work, to prove which paths run it."""

from django.contrib.auth.hashers import Argon2PasswordHasher, MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)


class CountingArgon2Hasher(Argon2PasswordHasher):
    """The deployed hasher, unchanged, counting its calls."""

    calls = 0

    def encode(self, password, salt):
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        type(self).calls += 1
        return super().verify(password, encoded)
