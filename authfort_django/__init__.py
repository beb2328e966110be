"""authfort_django: a reusable Django app that signs users in and issues RS256 access tokens."""

# The one place the version is written: pyproject.toml reads it (tool.setuptools.dynamic).
__version__ = "0.3.0.dev0"
