"""The Celery application. Tasks are thin wrappers around services (DESIGN §7).

Run a worker with `celery -A clac worker -l info` and the scheduler with `celery -A clac beat`;
every setting comes from Django's settings (CELERY_* in clac/settings/base.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clac.settings.local")

# DjangoTask gives every task `delay_on_commit()`: enqueue only once the transaction commits.
app = Celery("clac", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, found when the worker starts (web processes import them in ClacConfig).
app.autodiscover_tasks()


def beat_schedule_install(entries: dict[str, dict]) -> None:
    """Adds the apps' periodic entries (their plugins' `beat_schedule`) to the schedule from
    settings. Called from ClacConfig.ready(): Celery's Django fixup sets Django up before beat
    builds its scheduler, so beat sees them."""
    schedule = dict(app.conf.beat_schedule or {})
    clashes = sorted(set(schedule) & set(entries))
    if clashes:
        raise ValueError(f"Beat entries declared both in settings and by an app: {', '.join(clashes)}")
    schedule.update(entries)
    app.conf.beat_schedule = schedule
