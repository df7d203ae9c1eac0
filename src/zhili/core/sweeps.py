"""Periodic sweeps run by ``zhili worker``. Apps register theirs in their own ``sweeps.py``:

    from zhili.core.sweeps import sweep

    @sweep("insight.warnings", every=60)
    def raise_warnings(): ...

A sweep must be idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

REGISTRY: dict[str, Sweep] = {}


@dataclass
class Sweep:
    name: str
    every: float
    fn: Callable[[], object]


def sweep(name: str, every: float):
    def deco(fn):
        REGISTRY[name] = Sweep(name, every, fn)
        return fn

    return deco


@sweep("core.audit_verify", every=24 * 3600)
def verify_audit_chain():
    """Daily: check the audit chain and record the outcome (a failure shows in the audit log itself)."""
    from . import audit, audit_anchor

    res = audit.verify()
    audit.record(None, "audit.verify", object_type="audit", result="ok" if res.ok else "error",
                 details={"checked": res.checked, "problems": res.problems[:20]})
    if res.ok:
        audit_anchor.compact()
    return res.ok
