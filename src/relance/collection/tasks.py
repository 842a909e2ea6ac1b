"""Background tasks (Django's task API): the daily run per company, and the scheduler tick.

`schedule_due_runs` is called every minute by `relance worker`; it enqueues the run of every
company whose local run time has passed today and that has not been run today. The enqueue is
in the same transaction as the check, so a run is never enqueued twice by concurrent ticks on
PostgreSQL (row lock on the settings) and never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from relance.collection.messages import emails_dispatch
from relance.collection.models import CollectionRun, CollectionSettings
from relance.collection.services.run import collection_run
from relance.core.audit import Actor
from relance.finance.snapshots import snapshot_take
from relance.ledger.models import Company
from relance.messaging.tasks import send_outbox_task

logger = logging.getLogger(__name__)


@task()
def run_company(company_id: int, date: str | None = None) -> dict[str, int]:
    company = Company.objects.get(pk=company_id)
    today = dt.date.fromisoformat(date) if date else timezone.now().astimezone(ZoneInfo(company.timezone)).date()
    actor = Actor.system("daily run")
    result = collection_run(company=company, today=today, actor=actor, keep_outcomes=False)
    dispatched = emails_dispatch(company=company, today=today, actor=actor)
    # Dashboard: the day's receivables snapshot (overdue trend); idempotent per day.
    snapshot_take(company=company, as_of=today)
    if dispatched.queued:
        send_outbox_task.enqueue(company_id=company.pk)
    logger.info(
        "daily run %s %s: %d actions, %d e-mails queued", company.name, today, result.created_count, dispatched.queued
    )
    return {"created": result.created_count, "cancelled": len(result.cancelled), "queued": dispatched.queued}


def schedule_due_runs(*, now: dt.datetime | None = None) -> list[tuple[int, dt.date]]:
    """Enqueue today's run for each company whose run time has passed (local time). Returns what was enqueued."""
    now = now or timezone.now()
    enqueued = []
    for company in Company.objects.all():
        local = now.astimezone(ZoneInfo(company.timezone))
        with transaction.atomic():
            settings, _ = CollectionSettings.objects.select_for_update().get_or_create(company=company)
            if settings.paused or local.time() < settings.run_time:
                continue
            if CollectionRun.objects.filter(company=company, date=local.date(), dry_run=False).exists():
                continue
            if settings.last_enqueued_on == local.date():
                continue
            settings.last_enqueued_on = local.date()
            settings.save(update_fields=["last_enqueued_on"])
            run_company.enqueue(company.pk, local.date().isoformat())
            enqueued.append((company.pk, local.date()))
    return enqueued
