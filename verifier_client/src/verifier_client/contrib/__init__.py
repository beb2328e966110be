"""Deprecated: the framework adapters moved to `verifier_client.drf` and `verifier_client.flask`.

`verifier_client.contrib.drf` and `verifier_client.contrib.flask` still import,
for this release only: they re-export the very same objects and emit a
`DeprecationWarning` naming the new path. Importing this package alone warns
about nothing, so code that never touches the old paths stays quiet.
"""
