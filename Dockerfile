# syntax=docker/dockerfile:1
# Zargar's container image: one image for every process in the Procfile (web,
# worker, beat, migrate); Kubernetes and docker-compose choose the command.
#   docker build -t zargar:0.1.0 .
# Stage 1 installs the pinned dependencies into /opt/venv, compiles the Persian
# catalogue and collects static files; stage 2 copies only what runs.

ARG PYTHON_IMAGE=python:3.12.12-slim-trixie

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Build stage only; the base image's Debian release fixes gettext's version.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml ./
RUN pip install .
COPY . .
# Settings need these to import; the values are placeholders used by no connection.
RUN export DJANGO_SETTINGS_MODULE=config.settings.prod \
      DJANGO_SECRET_KEY=build-only-not-secret \
      DATABASE_URL=postgres://build@127.0.0.1:1/build \
      PLATFORM_DATABASE_URL=postgres://build@127.0.0.1:1/build \
      REDIS_URL=redis://127.0.0.1:1/0 \
 && python manage.py compilemessages --ignore .venv --ignore node_modules -v 0 \
 && python manage.py collectstatic --noinput -v 0 \
 && python -m compileall -q /app /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod \
    DJANGO_MEDIA_ROOT=/data/media \
    TENANT_EXPORT_ROOT=/data/exports \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 zargar \
 && useradd --system --uid 10001 --gid zargar --home-dir /app --shell /usr/sbin/nologin zargar \
 && mkdir -p /data/media /data/exports \
 && chown -R zargar:zargar /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live/', timeout=4).status != 200)"]
# The web process (Procfile "web"); worker, beat and migrate override the command.
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn"]
