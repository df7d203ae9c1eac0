from zhili.core.sweeps import sweep

from . import notify


@sweep("cases.send_texts", every=1)
def send_texts():
    return notify.send_queued()


@sweep("cases.retry_texts", every=60)
def retry_texts():
    return notify.retry_failed()


@sweep("cases.deadline_reminders", every=600)
def deadline_reminders():
    return notify.deadline_reminders()


@sweep("cases.mark_overdue", every=60)
def mark_overdue():
    """Open cases past their deadline are marked (once) so 'overdue ever' counts them."""
    from .rollups import mark_overdue as run

    return run()


@sweep("cases.expire_exports", every=600)
def expire_exports():
    """Exports' files are deleted a day after they are written (cases.exports.KEEP)."""
    from . import exports

    return exports.expire()
