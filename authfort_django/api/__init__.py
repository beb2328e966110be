"""The HTTP layer: the only part of authfort_django that knows DRF.

    views/           the endpoints, by area
    serializers.py   request bodies in, JSON out
    authentication.py, permissions.py, throttling.py, cookies.py
    client.py        the caller's address and the RequestContext handed to the domain
    errors.py        the JSON error shape and the status of each domain error
    schema.py        the OpenAPI description (drf-spectacular)
    openapi.py       AuthfortAutoSchema: a view's OpenAPI operation, read from the view
    openapi_extra.py what the views take from drf-spectacular, or stand-ins without the extra
    docs.py          /api/schema and /api/docs (with the [openapi] extra)
"""
