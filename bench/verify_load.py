"""Benchmark: public certificate checks under load, against a trivial page on the same server.

    .venv/bin/python bench/verify_load.py [--certificates 300] [--seconds 10] [--connections 32]
        [--worker-class gthread --workers 4 --threads 4]

Creates a throwaway database (`<DATABASE_URL's name>_verify_bench`), migrates it and issues
certificates into it; starts the portal under gunicorn as deployed (gunicorn.conf.py; options
override it for comparison) with the production settings (plus raised throttle limits, see
bench/support/verify_load_settings.py) on a free 127.0.0.1 port; drives
`/c/<token>`, `/verify/?name=...&number=...` and a trivial Django view with `wrk` for a fixed time
each, cycling over every certificate; prints requests per second, p50 and p99 latency and the
ratio to the trivial view, and gunicorn's CPU time per request and its ratio (steadier than
requests per second on a shared machine); stops gunicorn and drops the database. Traffic stays
on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_database_url() -> tuple[str, str, str]:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awards_portal")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_verify_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), admin, name


def run_sql(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql)


def django_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.support.verify_load_settings",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "PORTAL_BASE_URL": "https://portal.bench.example",
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


ISSUE_SCRIPT = """
import datetime, json, sys
import django
django.setup()
from django.core.cache import cache
# This bench's own Redis keys (its prefix) from an earlier run: check records buffered for a
# database since dropped, cached answers, throttle counts.
client = cache._cache.get_client(write=True)
for key in client.scan_iter(match=cache.make_key("*")):
    client.delete(key)
from providers.models import Provider
from providers.services import provider_create
from certificates.services import certificate_issue
count = int(sys.argv[1])
provider = Provider.objects.first() or provider_create(
    name="Benchmark Centre", centre_number="B0001", ukprn="10000001", acting_user=None
)
out = []
for index in range(count):
    c = certificate_issue(
        provider=provider, achievement_reference=f"bench:{index}",
        learner_name=f"Zoë Bench-Learner {index}", qualification_number="610/0311/4",
        qualification_title="Level 2 Certificate in Health and Social Care", units=[],
        grade="Merit", award_date=datetime.date(2025, 7, 18), acting_user=None, render=False,
    )
    out.append({"token": c.qr_token, "number": c.display_number, "name": c.learner_name})
print(json.dumps(out))
"""


def prepare_database(database_url: str, admin_url: str, name: str, count: int) -> list[dict]:
    import json

    run_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
    run_sql(admin_url, f'CREATE DATABASE "{name}"')
    env = django_env(database_url)
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)
    issued = subprocess.run(
        [PYTHON, "-c", ISSUE_SCRIPT, str(count)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return list(json.loads(issued.stdout.strip().splitlines()[-1]))


def gunicorn_settings(overrides: dict[str, str | int | None]) -> dict[str, object]:
    """The deployment's gunicorn settings (gunicorn.conf.py) with this run's overrides."""
    deployed = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    chosen = {key: deployed.get(key) for key in ("worker_class", "workers", "threads")}
    chosen.update({key: value for key, value in overrides.items() if value is not None})
    return chosen


def start_gunicorn(
    database_url: str, port: int, overrides: dict[str, str | int | None]
) -> subprocess.Popen:
    """gunicorn as deployed (gunicorn.conf.py), on a local port, with any overrides asked for."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    for option, value in overrides.items():
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    process = subprocess.Popen(command, cwd=ROOT, env=django_env(database_url))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/certificates-bench/trivial", timeout=1
            ) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start within 30 seconds")


def server_cpu_seconds(server: subprocess.Popen) -> float | None:
    """CPU time (user + system) used so far by gunicorn and its workers, from /proc (Linux).

    Under load from elsewhere on the machine, requests per second swing widely; the server's
    CPU time per request is steadier, and its ratio to the trivial view's is printed beside them.
    """
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if not children.exists():
        return None
    total = 0
    for pid in [server.pid, *(int(pid) for pid in children.read_text().split())]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker restarted meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "requests": float(requests),
        "p50": p50,
        "p99": p99,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
        "socket_errors": 1.0 if socket_errors else 0.0,
    }


def drive(port: int, paths: list[str], seconds: int, connections: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "5s",
        "--latency",
        "--script",
        str(ROOT / "bench" / "support" / "wrk_paths.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        handle.name,
    ]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(handle.name)
    return parse_wrk(output)


FLUSH_SCRIPT = """
import django
django.setup()
from certificates.check_buffer import checks_flush
from certificates.models import CertificateCheck
checks_flush()
print(CertificateCheck.objects.count())
"""


def flush_and_count(database_url: str) -> int:
    """Write the buffered check records, as beat would, and count them: every check recorded."""
    done = subprocess.run(
        [PYTHON, "-c", FLUSH_SCRIPT],
        cwd=ROOT,
        env=django_env(database_url),
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def spot_check(port: int, certificate: dict) -> None:
    """The pages under load really answer "valid", so the figures measure real checks."""
    query = urlencode({"name": certificate["name"].upper(), "number": certificate["number"]})
    for path in (f"/c/{certificate['token']}", f"/verify/?{query}"):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            page = response.read().decode()
        assert "This certificate is valid" in page, f"{path} did not say valid"
        assert certificate["name"] in page, f"{path} did not show the learner's name"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--certificates", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    # By default gunicorn runs as deployed (gunicorn.conf.py); these override it for comparison,
    # e.g. --worker-class gthread --workers 4 --threads 4.
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    database_url, admin_url, name = bench_database_url()
    print(f"preparing {name} with {args.certificates} certificates ...", flush=True)
    certificates = prepare_database(database_url, admin_url, name, args.certificates)
    port = free_port()
    overrides = {
        "worker_class": args.worker_class,
        "workers": args.workers,
        "threads": args.threads,
    }
    server = start_gunicorn(database_url, port, overrides)
    served = gunicorn_settings(overrides)
    try:
        spot_check(port, certificates[0])
        targets = {
            "trivial view": ["/certificates-bench/trivial"],
            "/c/<token>": [f"/c/{c['token']}" for c in certificates],
            "/verify/ name + number": [
                "/verify/?" + urlencode({"name": c["name"].lower(), "number": c["number"]})
                for c in certificates
            ],
        }
        print(
            f"gunicorn: {served['workers']} {served['worker_class']} workers"
            + (f" x {served['threads']} threads" if served["worker_class"] == "gthread" else "")
            + (
                " (as deployed: gunicorn.conf.py)"
                if not any(overrides.values())
                else " (overridden)"
            )
            + ", "
            f"wrk: {args.connections} connections, {args.seconds} s per page"
        )
        rounds: dict[str, list[dict[str, float]]] = {label: [] for label in targets}
        sent = 2  # the spot check's two checks
        for label, paths in targets.items():  # warm every worker and fill the caches
            warm = drive(port, paths, 2, args.connections)
            sent += int(warm["requests"]) if label != "trivial view" else 0
        # The pages take turns, round after round, so load from elsewhere on the machine falls
        # on all of them alike; medians are printed.
        for _round in range(args.rounds):
            for label, paths in targets.items():
                cpu_before = server_cpu_seconds(server)
                result = drive(port, paths, args.seconds, args.connections)
                cpu_after = server_cpu_seconds(server)
                if cpu_before is not None and cpu_after is not None and result["requests"]:
                    result["cpu_ms"] = (cpu_after - cpu_before) / result["requests"] * 1000
                rounds[label].append(result)
                sent += int(result["requests"]) if label != "trivial view" else 0
        print(
            f"{'page':<24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7} "
            f"{'cpu ms':>7} {'cpu ratio':>9}  errors"
        )
        for label, results in rounds.items():
            pairs = list(zip(results, rounds["trivial view"], strict=True))
            ratios = [r["rps"] / base["rps"] for r, base in pairs]
            cpu = [r["cpu_ms"] for r in results if "cpu_ms" in r]
            measured = [(r, base) for r, base in pairs if "cpu_ms" in r and "cpu_ms" in base]
            cpu_ratios = [base["cpu_ms"] / r["cpu_ms"] for r, base in measured]
            errors = int(sum(r["non_2xx"] for r in results))
            print(
                f"{label:<24} {median(r['rps'] for r in results):9.0f} "
                f"{median(r['p50'] for r in results):8.1f} "
                f"{median(r['p99'] for r in results):8.1f} {median(ratios):7.2f} "
                + (f"{median(cpu):7.3f} {median(cpu_ratios):9.2f}" if cpu_ratios else f"{'-':>17}")
                + f"  {errors} non-2xx"
                + (", socket errors" if any(r["socket_errors"] for r in results) else "")
            )
        print(
            f"(medians of {args.rounds} rounds; ratio: median of each round's ratio; cpu ms: "
            "gunicorn's CPU time per request; cpu ratio: the trivial view's cpu ms over the page's)"
        )
        print("goal: ratio >= 0.6 and p99 < 50 ms at 32 connections")
        recorded = flush_and_count(database_url)
        print(f"check records after the flush: {recorded}, checks sent: {sent}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        run_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
