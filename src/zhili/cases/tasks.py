from django_tasks import task

from . import notify


@task()
def deliver_text(pk: int) -> str:
    return notify.deliver(pk)
