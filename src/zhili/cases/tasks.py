"""Kept for jobs queued before texts became an outbox swept by ``zhili worker`` (notify.send_queued):
a database upgraded with such jobs still runs them. Nothing queues this task any more."""

from django_tasks import task

from . import notify


@task()
def deliver_text(pk: int) -> str:
    return notify.deliver(pk)
