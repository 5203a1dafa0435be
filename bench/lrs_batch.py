"""Benchmark: one 10,000-record LRS achievement batch, from the database to accepted.

    .venv/bin/python bench/lrs_batch.py [--records 10000] [--profile]

In a throwaway database (dropped at the end) it seeds 10,000 pending achievements of verified
learners, the sandpit's registers and account, then:
1. builds and validates the batch from the database with the service beat uses
   (`achievement_batches_build`: select and lock, the inclusion rules, ordered by ULN, lxml,
   the split check, XSD validation, the rows), timed (wall and this process's CPU; the
   database's own work shows only in the wall time), then again under tracemalloc for the peak;
2. times raw lxml serialisation of the same records already in memory (the floor): the
   service's own element builder and one `tostring`, with no database, rules or validation;
3. submits the batch to the sandpit (in-process) and polls it until the job is accepted, timed.
Goal (issue 12): built and validated in under 2 s, within 3x the floor. `--profile` prints
where a second build spends its time (cProfile). The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.test")
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "True"
os.environ["LRS_ENDPOINT_EXTERNAL"] = "wsgi://localhost/lrs-sandpit/ExternalService.svc"
os.environ["LRS_SANDPIT_WAITING_SECONDS"] = "0"
os.environ["LRS_SANDPIT_PROCESSING_SECONDS"] = "0"
os.environ["LOG_LEVEL"] = "WARNING"
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awards_portal")
_parts = urlsplit(BASE_URL)
BENCH_DB = f"{_parts.path.lstrip('/') or 'awards_portal'}_lrs_bench"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        urlunsplit(_parts._replace(path="/postgres")), autocommit=True
    ) as connection:
        connection.execute(sql)


os.environ["DATABASE_URL"] = urlunsplit(_parts._replace(path=f"/{BENCH_DB}"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from lxml import etree  # noqa: E402


def seed(count: int) -> None:
    from learners.models import Learner
    from learners.tests.factories import valid_uln
    from lrs_sandpit.achievement_models import RegisteredAim
    from lrs_sandpit.models import RegisteredLearner
    from lrs_sandpit.services import sandpit_account_ensure
    from lrs_sync.achievement_models import Achievement
    from providers.tests.factories import ProviderFactory
    from qualifications.tests.factories import UnitFactory

    provider = ProviderFactory()
    units = [UnitFactory() for _ in range(40)]
    learners = Learner.objects.bulk_create(
        Learner(
            provider=provider,
            uln=valid_uln(n),
            given_name=f"Given{n}",
            family_name=f"Family{n}",
            date_of_birth=datetime.date(2004, 6, 1),
            gender="2",
            postcode="LS1 5HD",
            ethnicity="99",
            ability_status="9",
            prior_attainment="99",
            employment_status="98",
            name_match_key=f"given{n}|family{n}",
            verification_status="verified",
        )
        for n in range(count)
    )
    Achievement.objects.bulk_create(
        Achievement(
            learner=learner,
            provider=provider,
            uln=learner.uln,
            aim_kind="unit",
            aim_reference=units[i % len(units)].reference,
            unit=units[i % len(units)],
            award_date=datetime.date(2026, 3, 2),
            grade="P",
            ukprn=provider.ukprn,
        )
        for i, learner in enumerate(learners)
    )
    sandpit_account_ensure(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )
    RegisteredLearner.objects.bulk_create(
        RegisteredLearner(
            uln=learner.uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            gender="2",
        )
        for learner in learners
    )
    RegisteredAim.objects.bulk_create(
        RegisteredAim(reference=u.reference, operational_start_date=u.operational_start_date)
        for u in units
    )


def reset() -> None:
    from lrs_sync.achievement_models import (
        Achievement,
        AchievementBatch,
        AchievementChange,
        BatchRecord,
    )

    BatchRecord.objects.all().delete()
    AchievementChange.objects.all().delete()
    Achievement.objects.update(state="pending", batch=None)
    AchievementBatch.objects.all().delete()


def build():
    from lrs_sync import achievement_batches

    dispatch = achievement_batches.batch_dispatch
    achievement_batches.batch_dispatch = lambda **kwargs: None  # timed alone; sent below
    try:
        return achievement_batches.achievement_batches_build(
            submission_type="Final", acting_user=None
        )
    finally:
        achievement_batches.batch_dispatch = dispatch


def floor() -> tuple[float, float]:
    """The same records' rows already in memory, built into one envelope with the service's own
    element builder and serialised: (wall, CPU) seconds."""
    from lrs_sync.achievement_batches import CANDIDATE_COLUMNS, Candidate, achievement_row
    from lrs_sync.achievement_envelopes import achievement_element, submit_request
    from lrs_sync.achievement_models import Achievement

    rows = [
        achievement_row(Candidate._make(values))
        for values in Achievement.objects.order_by("uln").values_list(*CANDIDATE_COLUMNS)
    ]
    started, cpu_started = time.perf_counter(), time.process_time()
    root = submit_request(
        email_address="lrs@example.com",
        submission_type="Final",
        achievements=[achievement_element(r) for r in rows],
    )
    etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return time.perf_counter() - started, time.process_time() - cpu_started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print where the build spends")
    arguments = parser.parse_args()
    count = arguments.records
    _admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        call_command("migrate", verbosity=0)
        seed(count)
        load_before = os.getloadavg()
        started, cpu_started = time.perf_counter(), time.process_time()
        batches = build()
        built = time.perf_counter() - started
        built_cpu = time.process_time() - cpu_started
        size = sum(len(bytes(b.payload)) for b in batches)
        reset()
        if arguments.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(build)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            reset()
        tracemalloc.start()
        build()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        raw, raw_cpu = floor()

        from lrs_sync.achievement_models import AchievementBatch, BatchStatus
        from lrs_sync.achievement_submission import batch_poll, batch_send

        started = time.perf_counter()
        for batch in AchievementBatch.objects.order_by("pk"):
            outcome = batch_send(batch_id=batch.pk)
            while outcome.action == "poll":
                AchievementBatch.objects.filter(pk=batch.pk).update(next_poll_at=None)
                outcome = batch_poll(batch_id=batch.pk)
        accepted = time.perf_counter() - started
        statuses = sorted(set(AchievementBatch.objects.values_list("status", flat=True)))

        load_after = os.getloadavg()
        print(f"records: {count}; batches: {len(batches)}; XML: {size / 1e6:.2f} MB")
        print(
            f"built and validated from the database: {built:.2f} s "
            f"(this process's CPU {built_cpu:.2f} s; goal under 2 s)"
        )
        print(f"raw lxml serialisation, in memory (floor): {raw:.2f} s (CPU {raw_cpu:.2f} s)")
        print(f"ratio to the floor: {built / raw:.1f}x (goal within 3x)")
        print(f"peak Python memory while building: {peak / 1e6:.1f} MB")
        print(f"submitted to the sandpit and accepted: {accepted:.2f} s; status {statuses}")
        print(
            "load average (1, 5, 15 min): "
            f"{' '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' '.join(f'{x:.2f}' for x in load_after)} after the build and floor"
        )
        assert statuses == [BatchStatus.SUCCESSFUL], statuses
    finally:
        connections.close_all()
        _admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
