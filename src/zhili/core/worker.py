"""``zhili worker``: runs due periodic sweeps and the queued background tasks (django-tasks, database backend)."""

from __future__ import annotations

import logging
import signal
import time

from django.core.management import call_command
from django.utils.module_loading import autodiscover_modules

from .sweeps import REGISTRY

log = logging.getLogger("zhili.worker")


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    ran = []
    for s in REGISTRY.values():
        if now - last_run.get(s.name, float("-inf")) >= s.every:
            last_run[s.name] = now
            try:
                s.fn()
                ran.append(s.name)
            except Exception:  # one broken sweep must not stop the others
                log.exception("sweep %s failed", s.name)
    return ran


def run(once: bool = False, tick: float = 1.0) -> int:
    autodiscover_modules("sweeps")
    stop = {"now": False}

    def _stop(*_):
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    last_run: dict[str, float] = {}
    print(f"zhili worker: {len(REGISTRY)} sweeps ({', '.join(REGISTRY)}); tasks from the database queue")
    while not stop["now"]:
        run_due(last_run, time.monotonic())
        call_command("db_worker", batch=True, queue_name="*", startup_delay=False, verbosity=0)
        if once:
            break
        time.sleep(tick)
    return 0
