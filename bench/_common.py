"""Helpers shared by the benchmarks: percentiles, a table, a free port, a server subprocess that always stops,
keep-alive HTTP clients, and a throw-away PostgreSQL database."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse


def machine(vendor: str) -> dict:
    """Cores, CPU, memory, OS, Python and the database's version (Django must be set up)."""
    import platform

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()" if vendor == "postgresql" else "SELECT sqlite_version()")
        db_version = cur.fetchone()[0]
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": mem, "os": platform.platform(),
            "python": platform.python_version(), "database": vendor, "database_version": db_version.split(" on ")[0]}


def bench_environment(home: str, database_url: str = "") -> dict:
    """Point this process (and the servers it starts) at a bench's own ZHILI_HOME and database:
    every ZHILI_ variable of the caller's environment is dropped. Returns the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHILI_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({"ZHILI_HOME": home, "DJANGO_SETTINGS_MODULE": "zhili.settings", "ZHILI_LOG_LEVEL": "ERROR",
                "ZHILI_SMS_BACKEND": "zhili.cases.notify.LogBackend"})
    if database_url:
        env["ZHILI_DATABASE_URL"] = database_url
    for k in [k for k in os.environ if k.startswith("ZHILI_")]:
        del os.environ[k]
    os.environ.update(env)
    return env


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; samples need not be sorted."""
    if not samples:
        return float("nan")
    s = sorted(samples)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict:
    """p50/p95/max in milliseconds of a list of durations in seconds."""
    ms = [x * 1000 for x in seconds]
    if not ms:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "max_ms": round(max(ms), 2) if ms else None}


def fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return {True: "yes", False: "NO", None: "–"}[v]
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.2f}"
    return str(v)


def print_table(rows: list[dict], cols: list[tuple[str, str]]) -> None:
    widths = [max(len(h), *(len(fmt(r.get(k))) for r in rows)) for k, h in cols]
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, ((_, h), w) in enumerate(zip(cols, widths, strict=True))))
    for r in rows:
        print("  ".join(fmt(r.get(k)).ljust(w) if i == 0 else fmt(r.get(k)).rjust(w)
                        for i, ((k, _), w) in enumerate(zip(cols, widths, strict=True))))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``zhili serve`` as a subprocess on 127.0.0.1; stopped (terminate, then kill) on exit, whatever happens."""

    def __init__(self, env: dict, port: int, workers: int, log_path: str, startup_timeout: float = 90):
        self.env, self.port, self.workers, self.log_path, self.timeout = env, port, workers, log_path, startup_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zhili.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = request("127.0.0.1", self.port, "GET", "/healthz", timeout=2)
                if status < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"the server did not answer within {self.timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                return b"\n".join(fh.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def __exit__(self, *exc) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, 15)  # the server and its workers (its own session)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, 9)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()


def request(host: str, port: int, method: str, path: str, body=None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, bytes]:
    """One request on a fresh connection (for probes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class Client:
    """A keep-alive HTTP/1.1 client to 127.0.0.1 (reconnects once if the server closed the connection)."""

    def __init__(self, port: int, headers: dict | None = None, timeout: float = 60):
        self.port, self.headers, self.timeout = port, headers or {}, timeout
        self.conn: http.client.HTTPConnection | None = None

    def __call__(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", **self.headers}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest,
                    http.client.BadStatusLine):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_concurrently(n_threads: int, total: int, max_seconds: float, make_client, job) -> dict:
    """``job(client, k)`` for k in 0..total-1 over ``n_threads`` threads, each with its own ``make_client()``;
    stops early after ``max_seconds``. Returns done, errors (status → count, with one sample), seconds, latencies."""
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "errors": {}, "latencies": []}
    deadline = time.monotonic() + max_seconds

    def worker():
        client = make_client()
        try:
            while True:
                with lock:
                    k = state["next"]
                    if k >= total or time.monotonic() > deadline:
                        return
                    state["next"] += 1
                t = time.perf_counter()
                try:
                    ok, err = job(client, k)
                except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                    ok, err = False, f"{type(exc).__name__}: {exc}"
                dt = time.perf_counter() - t
                with lock:
                    if ok:
                        state["done"] += 1
                        state["latencies"].append(dt)
                    else:
                        key = err.split(":", 1)[0]
                        count, sample = state["errors"].get(key, (0, err))
                        state["errors"][key] = (count + 1, sample)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(n_threads)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=max_seconds + 120)
    seconds = time.perf_counter() - t0
    return {"done": state["done"], "errors": {k: {"count": c, "sample": s[:300]} for k, (c, s) in state["errors"].items()},
            "seconds": seconds, "latencies": state["latencies"]}


class PgDatabase:
    """A fresh PostgreSQL database for a run (dropped at the end). Only names with 'bench' in them."""

    def __init__(self, url: str, keep: bool = False):
        parts = urlparse(url)
        self.url, self.keep = url, keep
        self.name = parts.path.lstrip("/")
        if "bench" not in self.name:
            raise SystemExit(f"refusing to drop and create {self.name!r}: use a database name containing 'bench'")
        self.admin_url = parts._replace(path="/postgres").geturl()

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def __enter__(self) -> PgDatabase:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        if not self.keep:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
