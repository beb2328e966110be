#!/bin/sh
# Bring the database up to date and make sure a signing key exists, then serve.
set -eu
python manage.py migrate --noinput
python manage.py rotate_keys --if-none
exec "$@"
