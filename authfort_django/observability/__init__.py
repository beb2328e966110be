"""Seeing what the server does, without changing what it does.

    context.py      the identifiers every log line of a request carries (request, user, session)
    logging.py      JSON log lines, scrubbed of secrets
    request_id.py   the middleware that gives each request its id and log scope
    tracing.py      OpenTelemetry, when OTEL_EXPORTER_OTLP_ENDPOINT is set
    metrics/        Prometheus counters moved by the domain's signals, key gauges read at scrape
"""
