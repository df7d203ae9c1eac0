"""Background tasks of insight (django-tasks): the same work as the sweeps, on demand."""

from django_tasks import task


@task()
def warnings_sweep() -> dict:
    from .warnings import sweep

    return sweep()


@task()
def monthly_reports() -> list[int]:
    """Write last month's analysis report of each district that has none yet."""
    from .reports import write_monthly_reports

    return [r.pk for r in write_monthly_reports()]
