"""The Celery application. Tasks are thin wrappers around services (DESIGN §7)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clac.settings.local")

# DjangoTask gives every task `delay_on_commit()`: enqueue only once the transaction commits.
app = Celery("clac", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
