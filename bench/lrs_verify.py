"""Benchmark: 5,000 learners through batch ULN verification, end to end, over HTTP.

Seeds a throwaway database with one provider's 5,000 learners and a sandpit register holding
them (most exactly, some with another date of birth, some not at all), starts the sandpit in a
gunicorn process on 127.0.0.1 (the whole portal's WSGI application, as `make run` serves it),
then, timed:

1. end to end: the portal builds the batch (`verify_rows_unverified`, `verify_job_create`), the
   job runs (the Celery task, eagerly in this process) sending `submitVerifyBatch` and
   `getVerifyBatchOutput` over HTTP to the sandpit, which matches the learners, and the portal
   stores every answer on the batch's rows and on the learners (bulk UPDATEs, one audit insert);
2. the floor: the sandpit's own matching of the same 5,000 learners (`register_for` and
   `match_learners`), in this process, with no portal, SOAP or HTTP around it.

Prints learners per second for each and the ratio. Goal: under 10 s end to end, within 3x the
floor. The database is dropped at the end.

    .venv/bin/python bench/lrs_verify.py [--learners 5000] [--chunk-size N] [--profile]
"""

from __future__ import annotations

import argparse
import datetime
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.test")

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awards_portal")
_parts = urlsplit(BASE_URL)
BENCH_DB = f"{_parts.path.lstrip('/') or 'awards_portal'}_lrs_bench"


def _url(name: str) -> str:
    return urlunsplit(_parts._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_url("postgres"), autocommit=True) as connection:
        connection.execute(sql)


os.environ["DATABASE_URL"] = _url(BENCH_DB)
_admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
_admin(f'CREATE DATABASE "{BENCH_DB}"')

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(count: int) -> tuple[object, object]:
    from accounts.roles import Role
    from accounts.tests.factories import AOStaffFactory
    from learners.choices import Gender
    from learners.models import Learner
    from learners.tests.factories import valid_uln
    from learners.validators import name_match_key
    from lrs_sandpit.demo import seed_register
    from lrs_sandpit.models import RegisteredLearner
    from providers.tests.factories import ProviderFactory

    seed_register()  # the sandpit's account (and its own few learners)
    provider = ProviderFactory()
    given = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Farid", "Grace", "Hugo", "Isla", "Jonah"]
    family = ["Okafor", "Smith", "Nowak", "Patel", "Jones", "O'Brien", "Lloyd-Jones", "Ng"]
    learners = []
    register = []
    for index in range(count):
        uln = valid_uln(200_000 + index)
        learner = Learner(
            provider=provider,
            uln=uln,
            given_name=given[index % len(given)],
            family_name=f"{family[index % len(family)]}{'' if index % 3 else 'e'}",
            date_of_birth=datetime.date(2000 + index % 8, 1 + index % 12, 1 + index % 28),
            gender=(Gender.FEMALE, Gender.MALE, Gender.NOT_KNOWN)[index % 3],
            ethnicity="99",
            ability_status="9",
            prior_attainment="98",
            employment_status="98",
        )
        learner.name_match_key = name_match_key(learner.given_name, learner.family_name)
        learners.append(learner)
        if index % 50 == 0:
            continue  # not on the register: WSVRC006
        held_dob = learner.date_of_birth
        if index % 25 == 1:
            held_dob = held_dob - datetime.timedelta(days=400)  # WSVRC005, VRF7
        register.append(
            RegisteredLearner(
                uln=uln,
                given_name=learner.given_name,
                family_name=learner.family_name,
                date_of_birth=held_dob,
                gender=learner.gender,
            )
        )
    Learner.objects.bulk_create(learners, batch_size=2000)
    RegisteredLearner.objects.bulk_create(register, batch_size=2000)
    user = AOStaffFactory(roles=[Role.BATCH_USER])
    return provider, user


def _start_sandpit(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "awards_portal.settings.test",
        "DATABASE_URL": _url(BENCH_DB),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "awards_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the sandpit server did not start")


def _end_to_end(provider: object, user: object, chunk_size: int | None) -> tuple[float, object]:
    from lrs_sync.models import VerifyJob
    from lrs_sync.services import verify_job_create, verify_rows_unverified

    started = time.perf_counter()
    job = verify_job_create(
        source=VerifyJob.Source.PROVIDER,
        provider=provider,  # type: ignore[arg-type]
        rows=verify_rows_unverified(provider=provider),  # type: ignore[arg-type]
        acting_user=user,  # type: ignore[arg-type]
        chunk_size=chunk_size,
    )  # the task runs after commit, eagerly, before this returns
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    return elapsed, job


def _floor(provider: object) -> float:
    from learners.models import Learner
    from lrs_sandpit.matching import LearnerQuery, match_learners, register_for

    learners = list(
        Learner.objects.filter(provider=provider).values_list(
            "uln", "given_name", "family_name", "date_of_birth", "gender"
        )
    )
    queries = [
        LearnerQuery(uln, given, family, dob.isoformat() if dob else "", gender)
        for uln, given, family, dob, gender in learners
    ]
    started = time.perf_counter()
    match_learners(queries, register_for(query.uln for query in queries))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="learners per LRS batch (default: the portal's)",
    )
    parser.add_argument("--profile", action="store_true", help="print where the portal's time goes")
    arguments = parser.parse_args()
    server = None
    try:
        call_command("migrate", verbosity=0)
        provider, user = _seed(arguments.learners)
        port = _free_port()
        server = _start_sandpit(port)
        settings.LRS_ENDPOINT_LEARNER = f"http://127.0.0.1:{port}/lrs-sandpit/LearnerService.svc"
        settings.CELERY_TASK_ALWAYS_EAGER = True
        from awards_portal.celery import app

        app.conf.task_always_eager = True

        floor = min(_floor(provider) for _ in range(3))
        if arguments.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - started, sql[:90]))

        from django.db import connection

        with connection.execute_wrapper(timed):
            elapsed, job = _end_to_end(provider, user, arguments.chunk_size)
        if arguments.profile:
            for seconds, sql in sorted(timings, reverse=True)[:8]:
                print(f"{seconds:6.3f} s  {sql}")
            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("BENCH_SORT", "cumulative")
            ).print_stats(40)
        from learners.models import Learner, VerificationStatus

        stored = (
            Learner.objects.filter(provider=provider)
            .exclude(verification_status=VerificationStatus.UNVERIFIED)
            .count()
        )
        count = arguments.learners
        print(f"learners:                 {count}")
        print(f"job:                      {job.status}, {job.stored} answers stored")  # type: ignore[attr-defined]
        print(f"learners with an answer:  {stored}")
        print(
            f"end to end (HTTP):        {elapsed:6.2f} s  {count / elapsed:8.0f} learners/s  "
            f"(chunks of {job.chunk_size})"  # type: ignore[attr-defined]
        )
        print(f"sandpit matching (floor): {floor:6.2f} s  {count / floor:8.0f} learners/s")
        print(f"ratio end to end / floor: {elapsed / floor:6.2f}x  (goal: under 10 s, within 3x)")
        if job.status != "done" or stored != count:  # type: ignore[attr-defined]
            raise SystemExit("not every learner was answered and stored")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
