from datetime import timedelta

import factory
from django.utils import timezone

from authfort_django.models import Role, User

DEFAULT_PASSWORD = "correct horse battery staple 42"


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"role-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.add(*[RoleFactory(name=name) if isinstance(name, str) else name for name in extracted])


# Signing keys: the key material is generated once per test session (RSA generation
# costs tens of milliseconds) and shared; each factory call takes the next key of a
# small pool, so one test can hold several distinct keys (kids are unique).
_KEY_POOL_SIZE = 6
_key_pool: dict[str, list] = {}


def pooled_private_key(algorithm: str, index: int):
    from authfort_django.keys.crypto import generate_private_key

    pool = _key_pool.setdefault(algorithm, [])
    while len(pool) <= index % _KEY_POOL_SIZE:
        pool.append(generate_private_key(algorithm))
    return pool[index % _KEY_POOL_SIZE]


class SigningKeyFactory(factory.django.DjangoModelFactory):
    """An active key by default; traits: pending, retired, expired, revoked."""

    class Meta:
        model = "authfort_django.SigningKey"
        exclude = ("material",)

    class Params:
        pending = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1)),
        )
        retired = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            retires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
            expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(hours=1)),
        )
        expired = factory.Trait(
            activates_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=3)),
            retires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=2)),
            expires_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))

    algorithm = "RS256"
    material = factory.LazyAttributeSequence(lambda o, n: pooled_private_key(o.algorithm, n))
    kid = factory.LazyAttribute(lambda o: _public(o)["kid"])
    public_jwk = factory.LazyAttribute(lambda o: _public(o))
    private_key = factory.LazyAttribute(lambda o: _encrypted(o))
    created_at = factory.LazyFunction(timezone.now)
    activates_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))


def _public(o) -> dict:
    from authfort_django.keys.crypto import public_jwk

    return public_jwk(o.material, o.algorithm)


def _encrypted(o) -> str:
    from authfort_django.keys.crypto import serialize_private_key
    from authfort_django.keys.encryption import encrypt_private_key

    return encrypt_private_key(serialize_private_key(o.material), _public(o)["kid"])
