"""Unusual figures of a yearly report, stored for the reviewer (members.rules.report_flags).
Reports waiting for review or approved get theirs now; the premium per member is checked
where the premium is in USD or was converted at approval."""

from decimal import Decimal

from django.db import migrations, models


def forwards(apps, schema_editor):
    # The rules are pure functions of plain values; using today's code is deliberate (the
    # flags are advice, recomputed on every save and approval).
    from members.rules import report_flags

    YearlyReport = apps.get_model("members", "YearlyReport")
    YearlyReportProduct = apps.get_model("members", "YearlyReportProduct")
    reports = YearlyReport.objects.filter(status__in=["submitted", "approved"]).only(
        "pk", "members_total", "hectares", "premium_amount", "premium_currency", "premium_usd"
    )
    lines: dict[int, list] = {}
    for report_id, unit, produced, fairtrade, other in YearlyReportProduct.objects.filter(
        report__status__in=["submitted", "approved"]
    ).values_list("report_id", "product__unit", "volume_produced", "volume_sold_fairtrade", "volume_sold_other"):
        lines.setdefault(report_id, []).append((unit, produced, fairtrade, other))
    changed = []
    for report in reports.iterator(chunk_size=2000):
        usd = report.premium_usd
        if usd is None and report.premium_currency == "USD":
            usd = report.premium_amount
        flags = report_flags(
            members_total=report.members_total,
            hectares=report.hectares,
            premium_amount=report.premium_amount,
            premium_usd=Decimal(usd) if usd is not None else None,
            lines=lines.get(report.pk, []),
        )
        if flags:
            report.review_flags = flags
            changed.append(report)
    YearlyReport.objects.bulk_update(changed, ["review_flags"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_regdata_languages"),
    ]

    operations = [
        migrations.AddField(
            model_name="yearlyreport",
            name="review_flags",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="review flags"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
