# The production image: gunicorn serving clac.wsgi, the same image runs the Celery worker and
# beat (docker-compose.yml). Configured only by environment variables (.env.example).

# --- build: dependencies, compiled translations, collected static files -------------------
FROM python:3.12-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# msgfmt for compilemessages; needed only here.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Dummy values: these commands need settings to load but touch no database and no secret.
RUN export DJANGO_SETTINGS_MODULE=clac.settings.production \
        SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-build-only \
        ALLOWED_HOSTS=localhost \
        DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    && python manage.py compilemessages -v 0 \
    && python manage.py collectstatic --noinput -v 0

# --- runtime ------------------------------------------------------------------------------
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=clac.settings.production

# Pango, HarfBuzz and a font for WeasyPrint (the dues invoice as PDF, finance/portal/dues.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 clac \
    && useradd --system --uid 10001 --gid clac --home-dir /app --no-create-home clac

COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
# Uploads and job result files live in var/media (a volume); the code stays read-only.
RUN mkdir -p /app/var/media && chown clac:clac /app/var/media

WORKDIR /app
USER clac
EXPOSE 8000

# WEB_CONCURRENCY sets the number of gunicorn workers (gunicorn reads it).
CMD ["gunicorn", "clac.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
