"""authfort_django: a reusable Django app that signs users in and issues RS256 access tokens."""

__version__ = "0.2.0"
