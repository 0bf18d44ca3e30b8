from django.apps import AppConfig, apps
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ClacConfig(AppConfig):
    name = "clac"
    verbose_name = _("CLAC Network")

    def ready(self) -> None:
        from clac import plugins

        # Every app's plugin.py: navigation, panels, URLs, history, seeders, beat entries.
        plugins.discover(list(apps.get_app_configs()))
        from clac.celery import beat_schedule_install

        beat_schedule_install(plugins.beat_schedule())
        # Import every app's tasks.py so job runners are registered in web processes too: without
        # a broker (the demo, tests) jobs run eagerly in the process that enqueues them, and
        # job_enqueue refuses kinds it does not know.
        autodiscover_modules("tasks")
        # The security log's receivers (sign-in, failures, lockouts).
        import clac.auth.signals  # noqa: F401
