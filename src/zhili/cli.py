"""The ``zhili`` command: up, serve, migrate, demo, worker, manage, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def _setup(settings: str = "zhili.settings") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _print_accounts(accounts: list[dict], *, with_passwords: bool) -> None:
    print()
    print("演示账号 / Demo accounts" + ("" if with_passwords else " (passwords were printed when the demo was loaded)"))
    print(f"  {'username':<12} {'role':<22} {'scope':<16} " + ("password" if with_passwords else ""))
    for a in accounts:
        print(f"  {a['username']:<12} {a['role']:<22} {a['scope']:<16} " + (a.get("password", "") if with_passwords else ""))
    if with_passwords:
        print("  这些密码只显示这一次 / These passwords are shown only once.")
        print("  New ones: zhili demo --reset-passwords")
    print()


def _demo_accounts() -> list[dict]:
    from zhili.core.models import User

    names = ["admin", "clerk", "handler", "depthead", "street", "community", "instructor", "gridleader", "gridworker",
             "griddept", "volunteer", "mediator", "lawyer", "officer", "leader", "sysadmin", "secadmin", "auditor"]
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("region")}
    return [{"username": n, "role": users[n].role, "scope": users[n].region.code} for n in names if n in users]


#: a year of cases for the demo district: the article's 7415 petitions plus other matters
DEMO_CASES = 8000


def _build_demo(scale: str, seed: int, cases: int | None = None) -> None:
    from zhili.demo import build_demo, generate_cases

    result = build_demo(scale=scale, seed=seed, stdout=sys.stdout)
    counts = {k: v for k, v in result.items() if k not in ("accounts", "organisations")}
    print("演示数据已生成 / demo data built:", ", ".join(f"{k}={v}" for k, v in counts.items()))
    n = DEMO_CASES if cases is None else cases
    if n:
        print(f"正在生成一年的案件 / generating a year of cases ({n}) …")
        made = generate_cases(n, seed=seed, stdout=sys.stdout)
        print("案件 / cases:", ", ".join(f"{k}={v}" for k, v in made.items()))
    _print_accounts(result["accounts"], with_passwords=True)


def announce_public_url(host: str, port: int) -> str:
    """Say which address the links in texts to residents will carry, and hand the served address to
    the processes this command starts (the server's, the worker): ZHILI_PUBLIC_URL when set, else
    the address served here (``core.links``) — never a relative link."""
    from zhili.core import links

    os.environ["ZHILI_HOST"], os.environ["ZHILI_PORT"] = host, str(port)
    configured = os.environ.get("ZHILI_PUBLIC_URL", "").strip()
    url = links.public_url(configured)
    print(f"短信链接地址 / address in texts to residents: {url}")
    if not configured:
        print("  未设置 ZHILI_PUBLIC_URL，短信中的链接使用本服务地址；正式部署请设为群众手机可访问的地址"
              " / ZHILI_PUBLIC_URL is not set: texts link to the address served here. For production set it to the"
              " address residents' phones reach, e.g. ZHILI_PUBLIC_URL=https://zhili.example.gov.cn")
        if host in ("0.0.0.0", "::", ""):
            print(f"  注意：{host} 不是手机能打开的地址 / note: {host} is no address a phone can open — set ZHILI_PUBLIC_URL")
    return url


def cmd_up(args) -> int:
    from zhili import home

    print(f"ZHILI_HOME = {home.home()}")
    announce_public_url(args.host, args.port)
    _setup()
    from django.core.management import call_command

    from zhili.core.models import Region

    print("正在迁移数据库 / migrating the database …")
    _migrate()
    if not Region.objects.exists():
        print("正在生成演示区（奎文区）/ building the demo district (Kuiwen) …")
        _build_demo("district", args.seed)
    else:
        _print_accounts(_demo_accounts(), with_passwords=False)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.no_worker:
        return _serve(args.host, args.port, args.workers, args.threads)
    # the platform is the server *and* the worker: queued texts (receipts, confirmation links),
    # deadline reminders, warnings and the monthly report are the worker's (core/worker.py)
    worker = subprocess.Popen([sys.executable, "-m", "zhili.cli", "worker"])
    print(f"后台任务已启动 / the worker runs beside the server (pid {worker.pid}): 短信、超期提醒、预警、月报 "
          "/ texts, deadline reminders, warnings, monthly reports")
    try:
        return _serve(args.host, args.port, args.workers, args.threads)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def _serve(host: str, port: int, workers: int, threads: int = 2) -> int:
    from django.conf import settings
    from granian import Granian
    from granian.constants import Interfaces

    print(f"Zhili 治理 正在运行 / is running at http://{host}:{port}/   (Ctrl+C 停止 / to stop)")
    server = Granian(
        "zhili.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=max(1, threads),
        static_path_route=["/static"],
        static_path_mount=[settings.STATIC_ROOT],
        log_access=False,
    )
    server.serve()
    return 0


def cmd_serve(args) -> int:
    announce_public_url(args.host, args.port)
    _setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return _serve(args.host, args.port, args.workers, args.threads)


def cmd_migrate(args) -> int:
    _setup()
    _migrate(verbosity=1)
    return 0


def cmd_demo(args) -> int:
    _setup()
    _migrate()
    from zhili import demo
    from zhili.core.models import Region

    if args.reset_passwords:
        _print_accounts(demo.reset_demo_passwords(), with_passwords=True)
        return 0
    if args.bulk is not None:
        if not Region.objects.exists():
            result = demo.build_demo(scale=args.scale, seed=args.seed, stdout=sys.stdout)
            _print_accounts(result["accounts"], with_passwords=True)
        print(demo.bulk_load(args.bulk, seed=args.seed, stdout=sys.stdout))
        return 0
    if Region.objects.exists() and args.cases_only is None:
        print("数据库已有区划数据，演示数据只能生成到空数据库中。/ The database already holds regions; "
              "the demo is built only into an empty database (use a new ZHILI_HOME).", file=sys.stderr)
        return 2
    if args.cases_only is not None:
        print(demo.generate_cases(args.cases_only, seed=args.seed, stdout=sys.stdout))
        return 0
    _build_demo(args.scale, args.seed, args.cases)
    return 0


def cmd_worker(args) -> int:
    _setup()
    from zhili.core import worker

    return worker.run(once=args.once)


def cmd_manage(args) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhili manage", *args.rest])
    return 0


def cmd_audit(args) -> int:
    _setup()
    from zhili.core import audit

    res = audit.verify()
    for note in res.notes:
        print("  注意 / note: " + note)
    if res.ok:
        print(f"审计日志完整 / audit chain intact: {res.checked} rows verified")
        return 0
    print(f"审计日志被篡改 / audit chain BROKEN ({res.checked} rows read):")
    for p in res.problems:
        print("  - " + p)
    return 1


def cmd_backup(args) -> int:
    _setup()
    from zhili.core import backup

    info = backup.backup(args.file)
    print(f"备份完成 / backup written: {args.file} ({info['engine']}, {info['size']} bytes)")
    print("  注意：加密密钥不在备份中，请单独保管 / note: the encryption keys (ZHILI_HOME/keys.json) are not in the "
          "backup; keep a copy of them separately.")
    return 0


def cmd_restore(args) -> int:
    _setup()
    from zhili.core import backup

    try:
        info = backup.restore(args.file, force=args.force)
    except backup.RestoreError as exc:
        print(f"恢复失败 / restore failed: {exc}", file=sys.stderr)
        return 2
    print(f"恢复完成 / restored {args.file} (made {info['created']})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhili", description="Zhili 治理 — 市域社会治理平台 / municipal social governance")
    sub = p.add_subparsers(dest="command", required=True)

    def server_opts(sp, default_workers=1):
        sp.add_argument("--host", default=os.environ.get("ZHILI_HOST", "127.0.0.1"))
        sp.add_argument("--port", type=int, default=int(os.environ.get("ZHILI_PORT", "8000")))
        sp.add_argument("--workers", type=int, default=int(os.environ.get("ZHILI_WORKERS", default_workers)),
                        help="server processes (one Python interpreter each)")
        sp.add_argument("--threads", type=int, default=int(os.environ.get("ZHILI_THREADS", "2")),
                        help="requests one process serves at once (default 2: more threads in one process "
                             "contend for its interpreter lock; add processes instead, see docs/operations.md)")

    sp = sub.add_parser("up", help="migrate, load the demo district if empty, serve, and run the worker beside the server")
    server_opts(sp)
    sp.add_argument("--seed", type=int, default=2026)
    sp.add_argument("--no-worker", action="store_true",
                    help="do not start `zhili worker` beside the server (when one runs elsewhere)")
    sp.set_defaults(func=cmd_up)

    sp = sub.add_parser("serve", help="serve with granian")
    server_opts(sp, default_workers=max(1, (os.cpu_count() or 1)))
    sp.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="create or update the database tables").set_defaults(func=cmd_migrate)

    sp = sub.add_parser("demo", help="build the demo district (or city) into an empty database")
    sp.add_argument("--scale", choices=["district", "city"], default="district")
    sp.add_argument("--seed", type=int, default=2026)
    sp.add_argument("--reset-passwords", action="store_true", help="give the demo accounts new passwords and print them")
    sp.add_argument("--cases", type=int, default=None, help="how many cases to generate with the demo (default 8000)")
    sp.add_argument("--add-cases", dest="cases_only", type=int, default=None, metavar="N",
                    help="add N more generated cases to an existing demo (bulk path, for benchmarks)")
    sp.add_argument("--bulk", type=int, default=None, metavar="N",
                    help="load N synthetic cases with set-based SQL (millions in minutes, for benchmarks); "
                         "builds the demo first if the database is empty")
    sp.set_defaults(func=cmd_demo)

    sp = sub.add_parser("worker", help="run background tasks and the periodic sweeps")
    sp.add_argument("--once", action="store_true", help="run due sweeps and queued tasks once, then exit")
    sp.set_defaults(func=cmd_worker)

    sp = sub.add_parser("manage", help="a Django management command, e.g. zhili manage createsuperuser")
    sp.add_argument("rest", nargs=argparse.REMAINDER)
    sp.set_defaults(func=cmd_manage)

    sp = sub.add_parser("audit", help="audit log tools")
    asub = sp.add_subparsers(dest="audit_command", required=True)
    asub.add_parser("verify", help="check the audit log's hash chain").set_defaults(func=cmd_audit)

    sp = sub.add_parser("backup", help="write a backup of the database and uploads to FILE (.tar.gz)")
    sp.add_argument("file")
    sp.set_defaults(func=cmd_backup)

    sp = sub.add_parser("restore", help="replace the database and uploads with a backup FILE")
    sp.add_argument("file")
    sp.add_argument("--force", action="store_true", help="restore even if the backup was made with other encryption keys")
    sp.set_defaults(func=cmd_restore)
    return p


def main(argv: list[str] | None = None) -> int:
    from zhili import home

    home.restrict()  # before anything is written: the database, its WAL, logs, backups (0600)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
