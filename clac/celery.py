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
