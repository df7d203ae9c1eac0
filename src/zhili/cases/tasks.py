"""Background tasks of cases, run by ``zhili worker`` (django-tasks, database backend): long Excel
exports (``export_cases``). ``deliver_text`` is kept for jobs queued before texts became an outbox
swept by the worker (notify.send_queued): a database upgraded with such jobs still runs them; nothing
queues it any more."""

from django_tasks import task

from . import notify


@task()
def deliver_text(pk: int) -> str:
    return notify.deliver(pk)


@task()
def export_cases(pk: int) -> int:
    """A long Excel export of the case list (cases.exports.run): rows written."""
    from . import exports

    return exports.run(pk)
