from zhili.core.sweeps import sweep


@sweep("insight.mark_overdue", every=60)
def mark_overdue():
    """Open cases past their deadline are marked (once) so 'overdue ever' counts them."""
    from .rollups import mark_overdue as run

    return run()
