"""Benchmark: a campaign to 100,000 people delivered to a local SMTP server (aiosmtpd,
bench.smtp_sink) through real Celery workers on Redis (issue 10, "Speed").

In a database of its own (`<bench>_campaign`, created, migrated and dropped here): one member
organization, 100,000 people in four languages with their email consent (written in bulk), an
audience reaching all of them and an email campaign with content in the four languages. A Celery
worker (prefork, `--workers` processes) is started on Redis with the SMTP backend pointed at the
sink, and warmed up; then the clock starts:

- enqueue: `campaign_dispatch` (what the dispatch task runs): the campaign claimed, its 100,000
  Message rows created in multi-row INSERTs, one send task per OUTBOX_BATCH_SIZE messages handed
  to Redis;
- total: until the sink has accepted every message and the campaign is `sent`.

Reported: messages per second over the total, enqueue time and its share of the total, and the
workers' peak memory (VmHWM of each worker process, the largest). Targets: at least 1,000
messages/s, enqueue under 5 % of the total. The sink and PostgreSQL share the machine with the
workers, as a local relay would.

Needs REDIS_URL (or CLAC_BENCH_REDIS_URL). Run alone: `python -m bench.run campaign_send`
(`--recipients N` for a smaller smoke run)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

HEADING = "## Campaign sending (`bench/campaign_send.py`)"
TARGET_PER_SECOND = 1000
ENQUEUE_SHARE_TARGET = 0.05
LANGUAGES = ("es", "en", "pt-br", "fr")
WORKER_START_TIMEOUT = 90


def _redis_url() -> str:
    url = os.environ.get("CLAC_BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or ""
    if not url:
        raise SystemExit("campaign_send needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/7).")
    return url


def create_data(recipients: int) -> int:
    """The organization, people, affiliations, consents, audience and campaign; returns the
    campaign's id."""
    from django.utils import timezone

    from communications.models import Audience, Campaign, CampaignContent
    from communications.rendering import content_render
    from members.models import Affiliation, Consent, Country, Organization, Person

    country = Country.objects.filter(code="PE").first() or Country.objects.get(pk=Country.objects.values("pk")[:1])
    organization = Organization.objects.create(
        kind=Organization.Kind.SPO, name="Cooperativa del benchmark", country=country, normalized_name="bench"
    )
    now = timezone.now()
    chunk = 10_000
    for start in range(0, recipients, chunk):
        persons = Person.objects.bulk_create(
            [
                Person(
                    first_name=f"Persona {index}",
                    last_name="Bench",
                    email=f"persona{index}@bench.example.org",
                    preferred_language=LANGUAGES[index % len(LANGUAGES)],
                    normalized_name=f"bench persona {index}",
                )
                for index in range(start, min(start + chunk, recipients))
            ]
        )
        Affiliation.objects.bulk_create(
            [Affiliation(person=p, organization=organization, role=Affiliation.Role.MANAGER) for p in persons]
        )
        Consent.objects.bulk_create(
            [
                Consent(
                    person=p, channel=Consent.Channel.EMAIL, granted=True, given_at=now, method=Consent.Method.PAPER
                )
                for p in persons
            ]
        )
    audience = Audience.objects.create(name="Benchmark: every member")
    campaign = Campaign.objects.create(
        name="Benchmark campaign",
        purpose="communication",
        channel=Campaign.Channel.EMAIL,
        audience=audience,
        fallback_language="es",
        status=Campaign.Status.SCHEDULED,
        scheduled_at=now,
    )
    bodies = {
        "es": (
            "Asamblea general",
            "La **asamblea general** será el 12 de marzo. [Programa](https://clac.example.org/a)",
        ),
        "en": ("General assembly", "The **general assembly** is on 12 March. [Agenda](https://clac.example.org/a)"),
        "pt-br": (
            "Assembleia geral",
            "A **assembleia geral** será em 12 de março. [Agenda](https://clac.example.org/a)",
        ),
        "fr": (
            "Assemblée générale",
            "L'**assemblée générale** aura lieu le 12 mars. [Programme](https://clac.example.org/a)",
        ),
    }
    for language, (subject, body) in bodies.items():
        rendered = content_render(subject=subject, body_markdown=body)
        CampaignContent.objects.create(
            campaign=campaign,
            language=language,
            subject=rendered.subject,
            body_markdown=body,
            body_html=rendered.html,
            body_text=rendered.text,
        )
    return campaign.pk


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of the worker and its pool processes (user + system, with their children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / ticks


def _peak_rss_mb(pid: int) -> float:
    """The largest peak resident memory (VmHWM) among the worker and its pool processes."""
    peaks = []
    for process in (pid, *_children(pid)):
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(peaks, default=0.0)


def _start_worker(*, database_url: str, redis_url: str, smtp_port: int, workers: int, log: Path) -> subprocess.Popen:
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clac.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        # The limiter stays in the path (a Redis call per 20 messages) at a rate above the target.
        "OUTBOX_RATE_EMAIL": os.environ.get("OUTBOX_RATE_EMAIL", "20000"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "clac",
        "worker",
        "--pool=prefork",
        f"--concurrency={workers}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=bench-{uuid.uuid4().hex[:8]}@%h",
    ]
    with open(log, "w") as out:
        worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while " ready." not in log.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"The Celery worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return worker


def run(*, database_url: str, recipients: int = 100_000, workers: int = 2, timeout: float = 1800) -> dict:
    """Measure in the current database (migrated, empty). Returns the figures."""
    import tempfile

    from django.db import connection
    from kombu import Connection

    from bench.smtp_sink import SmtpSink
    from clac.celery import app as celery_app
    from communications.models import Campaign, Message
    from communications.services.outbox import campaign_dispatch

    redis_url = _redis_url()
    print(f"campaign_send: creating {recipients:,} recipients…", flush=True)
    started = time.monotonic()
    campaign_id = create_data(recipients)
    print(f"  created in {time.monotonic() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with Connection(redis_url) as broker:
        broker.default_channel.queue_purge("default")

    sink = SmtpSink(keep_details=False).start()
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    log = Path(tempfile.mkdtemp(prefix="clac-bench-worker-")) / "worker.log"
    worker = _start_worker(
        database_url=database_url, redis_url=redis_url, smtp_port=sink.port, workers=workers, log=log
    )
    try:
        print(f"  worker ready ({workers} processes); sending…", flush=True)
        import resource

        from bench.run import postgres_cpu_seconds

        worker_cpu_before = _cpu_seconds(worker.pid)
        own_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        postgres_before = postgres_cpu_seconds()
        t0 = time.monotonic()
        campaign_dispatch(campaign_id=campaign_id)
        enqueue_seconds = time.monotonic() - t0
        deadline = t0 + timeout
        while True:
            done = (
                sink.accepted >= recipients
                and Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENT).exists()
            )
            if done:
                break
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"Not sent within {timeout:.0f} s ({sink.accepted:,}):\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        total_seconds = time.monotonic() - t0
        peak_mb = _peak_rss_mb(worker.pid)
        worker_cpu = _cpu_seconds(worker.pid) - worker_cpu_before
        own = resource.getrusage(resource.RUSAGE_SELF)
        sink_cpu = (own.ru_utime + own.ru_stime) - (own_cpu_before.ru_utime + own_cpu_before.ru_stime)
        postgres_after = postgres_cpu_seconds()
        postgres_cpu = (postgres_after - postgres_before) if postgres_before is not None and postgres_after else None
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        sink.stop()
    sent = Message.objects.filter(campaign_id=campaign_id, status=Message.Status.SENT).count()
    figures = {
        "recipients": recipients,
        "workers": workers,
        "accepted_by_sink": sink.accepted,
        "sent": sent,
        "enqueue_seconds": enqueue_seconds,
        "total_seconds": total_seconds,
        "messages_per_second": sent / total_seconds,
        "enqueue_share": enqueue_seconds / total_seconds,
        "peak_worker_rss_mb": peak_mb,
        # Where the time goes: CPU seconds of each side over the send (enqueue included).
        "cpu_seconds": {"workers": worker_cpu, "sink_and_dispatch": sink_cpu, "postgres": postgres_cpu},
        "load_at_end": os.getloadavg(),
    }
    print(
        f"  {figures['messages_per_second']:,.0f} messages/s; enqueue {enqueue_seconds:.2f} s of "
        f"{total_seconds:.1f} s ({figures['enqueue_share']:.1%}); peak worker RSS {peak_mb:.0f} MB",
        flush=True,
    )
    return figures


def run_in_database(name: str, *, admin_url: str, database_url: str, **options) -> dict:
    """Create database `name`, migrate it, measure, drop it; the connection is switched back."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection, connections

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    previous = connection.settings_dict["NAME"]
    connections.close_all()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
        return run(database_url=database_url, **options)
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = previous
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report_lines(figures: dict, *, run_line: str = "") -> list[str]:
    rate = figures["messages_per_second"]
    share = figures["enqueue_share"]
    rate_ok = "✓" if rate >= TARGET_PER_SECOND else "✗"
    share_ok = "✓" if share < ENQUEUE_SHARE_TARGET else "✗"
    lines = [
        HEADING,
        "",
        *([run_line, ""] if run_line else []),
        f"{figures['recipients']:,} recipients in four languages, one email campaign, delivered through a Celery "
        f"worker ({figures['workers']} prefork processes) on Redis to a local aiosmtpd sink on the same machine.",
        "",
        "| Measure | Value | Target |",
        "|---|---|---|",
        f"| Messages per second (total) | {rate:,.0f} | ≥ {TARGET_PER_SECOND:,} {rate_ok} |",
        f"| Enqueue (dispatch: rows + tasks) | {figures['enqueue_seconds']:.2f} s | |",
        f"| Total (until the sink has every message) | {figures['total_seconds']:.1f} s | |",
        f"| Enqueue share of total | {share:.1%} | < 5 % {share_ok} |",
        f"| Peak worker memory (largest VmHWM) | {figures['peak_worker_rss_mb']:.0f} MB | |",
        f"| Sent / accepted by the sink | {figures['sent']:,} / {figures['accepted_by_sink']:,} | equal |",
    ]
    cpu = figures.get("cpu_seconds")
    if cpu:
        per_message = {key: (value or 0) / max(figures["sent"], 1) * 1000 for key, value in cpu.items()}
        lines += [
            "",
            "CPU per message (ms): workers {workers:.2f}, SMTP sink and dispatch (this process) "
            "{sink_and_dispatch:.2f}, PostgreSQL {postgres:.2f}; the machine has 2 cores, so the sum "
            "bounds the rate at 2,000 / sum messages per second when nothing else runs.".format(**per_message),
        ]
    return lines
