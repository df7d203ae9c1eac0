from zhili.core.sweeps import sweep


@sweep("insight.warnings", every=60)
def raise_warnings():
    """Early warning (预警): evaluate every enabled rule; idempotent and set-based."""
    from .warnings import sweep as run

    return run()


@sweep("insight.monthly_report", every=3600)
def monthly_report():
    """On the 1st (or the first run after it): last month's analysis report of the district, once."""
    from .reports import write_monthly_reports

    return [r.pk for r in write_monthly_reports()]
