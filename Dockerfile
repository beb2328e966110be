# The reference deployment: gunicorn serving config.wsgi, configured by gunicorn.conf.py.
# Configure with environment variables (see README "Configuration"); in production
# start from docker/production.env (HTTPS behind a proxy, HSTS, admin off), which
# passes `manage.py check --deploy` once its placeholders are filled in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    STATIC_ROOT=/app/static \
    ADMIN_ENABLED=false

WORKDIR /app
RUN useradd --create-home --uid 10001 --user-group authfort

# Every pinned dependency, the extras' (metrics, openapi, otel, argon2) included;
# the two distributions below then install without resolving anything again.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY verifier_client ./verifier_client
COPY pyproject.toml README.md LICENSE manage.py gunicorn.conf.py ./
COPY authfort_django ./authfort_django
COPY config ./config
COPY docker/entrypoint.sh /usr/local/bin/authfort-entrypoint
COPY docker/healthcheck.py /usr/local/bin/authfort-healthcheck
RUN pip install --no-deps ./verifier_client . \
    && pip check \
    && mkdir -p /app/var && chown authfort:authfort /app/var
# The admin's and the API pages' static files, hashed and compressed, served by WhiteNoise.
# In the image, not in the var/ volume (a volume keeps its first image's copy forever);
# owned by root, read-only to the server. The SECRET_KEY only lets settings load: none
# is written into the image.
RUN SECRET_KEY=collectstatic-at-build-time python manage.py collectstatic --noinput --verbosity 0

USER authfort
VOLUME ["/app/var"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/usr/local/bin/authfort-healthcheck"]
ENTRYPOINT ["authfort-entrypoint"]
# gunicorn.conf.py (read from /app): GUNICORN_WORKERS or WEB_CONCURRENCY, access log without query strings.
CMD ["gunicorn", "config.wsgi:application"]
