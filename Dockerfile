# The portal's production image: one image, run as web (gunicorn), worker or beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=awards_portal.settings.production \
    UV_PROJECT_ENVIRONMENT=/opt/venv PATH="/opt/venv/bin:$PATH"

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir "uv==0.13.9" \
 && useradd --system --create-home --uid 1000 portal

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN SECRET_KEY=collectstatic-only-$(head -c 48 /dev/urandom | base64) \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media && chown -R portal /app/var

USER portal
EXPOSE 8000
# gunicorn.conf.py: sync workers, (2 x cores) + 1 of them (WEB_CONCURRENCY overrides).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--access-logfile", "-"]
