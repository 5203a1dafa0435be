"""Benchmark: importing the largest registration CSV (2 MB, about 25,000 rows).

Generates a file of realistic rows (new registrations, updates by registration number, updates
by ULN + qualification, rows repeating what is recorded, invalid rows) for one provider with the
learners and course runs it needs, then:

1. runs Validate and Upload through the services the browser uses (`registration_import_start`,
   which hands a file this size to the Celery task, run eagerly here, and
   `registration_import_upload`), timed, and again under tracemalloc for the peak memory;
2. imports the same file with django-import-export (a ModelResource keyed on ULN + qualification
   number, with use_bulk, batch_size and skip_unchanged), dry run then real run, as its admin's
   two steps do;

3. writes the same rows the portal's importer wrote, on a fresh copy, by one COPY into a
   temporary table, one INSERT ... SELECT and one UPDATE ... FROM, with no validation and no
   audit: the floor for writing them;

and prints rows per second for each and the ratios. Beside wall-clock times it prints CPU time:
the importer's own, and PostgreSQL's for the same connection (read from /proc when the database
runs on this machine), which a busy machine disturbs far less. Each run starts from a fresh copy
of the same seeded database. Everything happens in throwaway databases, dropped at the end.

    .venv/bin/python bench/import_registrations.py [--rows-limit-mb 2]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "awards_portal.settings.test")

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awards_portal")
_parts = urlsplit(BASE_URL)
BASE_NAME = _parts.path.lstrip("/") or "awards_portal"
SEED_DB = f"{BASE_NAME}_import_bench"
RUN_DBS = [f"{SEED_DB}_{name}" for name in ("ours", "ours_memory", "import_export", "floor")]


def _url(name: str) -> str:
    return urlunsplit(_parts._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_url("postgres"), autocommit=True) as connection:
        connection.execute(sql)


def _drop(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


os.environ["DATABASE_URL"] = _url(SEED_DB)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

MAX_BYTES = 2 * 1024 * 1024 - 4096  # just under the 2 MB limit
S_REGISTERED = "Registered"


def _use(name: str) -> None:
    """Point Django's connection at another database."""
    connections.close_all()
    connection.settings_dict["NAME"] = name


def _copy_seed(name: str) -> None:
    connections.close_all()
    _drop(name)
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{SEED_DB}"')


def seed(target_bytes: int) -> tuple[bytes, dict[str, int]]:
    """The provider, its catalogue, learners, course runs and existing registrations, and the
    CSV file; returns the file and the mix of its rows."""
    from accounts.models import Organisation, User
    from accounts.roles import Role
    from learners.models import Learner
    from learners.validators import name_match_key, uln_check_digit
    from providers.models import Provider
    from qualifications.models import GradingScheme, ProviderApproval, Qualification
    from qualifications.validators import qualification_check_character
    from registrations.models import CourseRun, Registration
    from registrations.services import registration_numbers_issue

    today = timezone.localdate()
    Organisation.objects.create(name="Awarding organisation", kind="ao")
    organisation = Organisation.objects.create(name="Bench College", kind="provider")
    provider = Provider.objects.create(
        organisation=organisation, centre_number="90001", ukprn="10099999", town="Leeds"
    )
    User.objects.create_user(
        "bench.importer",
        "bench.importer@college.example",
        None,
        given_name="Bench",
        family_name="Importer",
        organisation=organisation,
        roles=[Role.BULK_UPLOAD, Role.MANAGE_REGISTRATION],
    )
    scheme = GradingScheme.objects.create(name="Pass/Fail")
    qualifications = []
    for n in range(6):
        digits = f"60{n}{1000 + n:04d}"
        qualifications.append(
            Qualification.objects.create(
                number=f"{digits[:3]}/{digits[3:]}/{qualification_check_character(digits)}",
                title=f"Level 2 Certificate in Subject {n}",
                level="2",
                qualification_type="regulated",
                grading_scheme=scheme,
                credit_value=15,
                operational_start_date=datetime.date(2015, 9, 1),
            )
        )
    approved = qualifications[:5]
    unapproved = qualifications[5]
    for qualification in approved:
        ProviderApproval.objects.create(provider=provider, qualification=qualification)
        for start, end in ((-500, -30), (-60, 300)):
            CourseRun.objects.create(
                provider=provider,
                qualification=qualification,
                start_date=today + datetime.timedelta(days=start),
                planned_achievement_date=today + datetime.timedelta(days=end),
                programme_name=f"{qualification.title} from {start}",
                primary_tutor="Jo Tutor",
            )
    running = {
        run.qualification_id: run
        for run in CourseRun.objects.filter(start_date__gt=today - datetime.timedelta(days=100))
    }

    def ulns():
        candidate = 200_000_000
        while True:
            candidate += 1
            check = uln_check_digit(f"{candidate:09d}")
            if check is not None:
                yield f"{candidate:09d}{check}"

    uln_source = ulns()
    learner_count = 32_000
    learners = [
        Learner(
            provider=provider,
            uln=next(uln_source),
            given_name="Sam",
            family_name=f"Learner{i}",
            name_match_key=name_match_key("Sam", f"Learner{i}"),
            date_of_birth=datetime.date(2000 + i % 8, 1 + i % 12, 1 + i % 28),
            gender="0",
            ethnicity="99",
            ability_status="9",
            prior_attainment="99",
            employment_status="98",
        )
        for i in range(learner_count)
    ]
    Learner.objects.bulk_create(learners, batch_size=5000)
    outsider_ulns = [next(uln_source) for _ in range(2000)]  # not learners at this provider

    # Existing registrations: numbered (Registered / Certificate Sent) and numberless.
    numbered = learners[:12_000]
    numberless = learners[12_000:17_000]
    fresh = learners[17_000:]
    numbers = registration_numbers_issue(len(numbered))
    existing = []
    sent_day = today - datetime.timedelta(days=12)
    registered_day = today - datetime.timedelta(days=50)
    for i, (learner, number) in enumerate(zip(numbered, numbers, strict=True)):
        qualification = approved[i % 5]
        sent = i % 2 == 0
        existing.append(
            Registration(
                learner=learner,
                course_run=running[qualification.pk],
                status="certificate_sent" if sent else "registered",
                registration_number=number,
                registration_date=registered_day,
                achieved_date=sent_day - datetime.timedelta(days=20) if sent else None,
                certificate_claimed_date=sent_day - datetime.timedelta(days=10) if sent else None,
                certificate_sent_date=sent_day if sent else None,
                postal_tracking_reference=f"RM{i:08d}GB" if sent else "",
            )
        )
    for i, learner in enumerate(numberless):
        existing.append(
            Registration(
                learner=learner,
                course_run=running[approved[i % 5].pk],
                status="not_registered",
            )
        )
    Registration.objects.bulk_create(existing, batch_size=5000)
    by_pk = {q.pk: q for q in qualifications}
    number_of = {
        r.learner_id: (r.registration_number, by_pk[r.course_run.qualification_id])
        for r in existing
    }

    def d(day: datetime.date) -> str:
        return day.strftime("%d/%m/%Y")

    # The mix of rows, in proportions that repeat until the file reaches the size limit.
    def new_row(i: int) -> list[str]:
        learner = fresh[i % len(fresh)]
        qualification = approved[i % 5]
        status = S_REGISTERED if i % 10 else "Exempt"
        return [
            qualification.number,
            learner.uln,
            status,
            "",
            d(today - datetime.timedelta(days=i % 20)),
        ]

    def receipt_row(i: int) -> list[str]:
        learner = numbered[(2 * i) % len(numbered)]  # even: Certificate Sent
        number, qualification = number_of[learner.pk]
        return [
            qualification.number,
            learner.uln,
            "Certificate Received",
            number,
            "",
            "",
            "",
            d(today - datetime.timedelta(days=2)),
        ]

    def restated_row(i: int) -> list[str]:
        learner = numbered[(2 * i + 1) % len(numbered)]  # odd: Registered, unchanged
        number, qualification = number_of[learner.pk]
        return [qualification.number, learner.uln, S_REGISTERED, number, d(registered_day)]

    def by_uln_row(i: int) -> list[str]:
        learner = numberless[i % len(numberless)]
        _, qualification = number_of[learner.pk]
        return [qualification.number, learner.uln, S_REGISTERED]

    def invalid_row(i: int) -> list[str]:
        kind = i % 5
        if kind == 0:
            return [approved[0].number, "1234567890", S_REGISTERED]  # bad check digit
        if kind == 1:
            return ["999/9999/9", fresh[i % len(fresh)].uln, S_REGISTERED]  # unknown
        if kind == 2:
            return [approved[1].number, fresh[i % len(fresh)].uln, S_REGISTERED, "", "31/02/2026"]
        if kind == 3:
            return [unapproved.number, fresh[i % len(fresh)].uln, S_REGISTERED]  # not approved
        return [approved[2].number, outsider_ulns[i % len(outsider_ulns)], S_REGISTERED]

    # Per 20 rows: 8 new, 4 receipts by number, 3 restated by number, 3 by ULN + qualification,
    # 2 invalid (10 %).
    pattern = ["new"] * 8 + ["receipt"] * 4 + ["restated"] * 3 + ["by_uln"] * 3 + ["invalid"] * 2
    makers = {
        "new": new_row,
        "receipt": receipt_row,
        "restated": restated_row,
        "by_uln": by_uln_row,
        "invalid": invalid_row,
    }
    counters = dict.fromkeys(makers, 0)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(
        [
            "Qualification Number",
            "ULN",
            "Status",
            "Registration number",
            "Registration date",
            "Certificate claimed date",
            "Achieved date",
            "Certificate received date",
            "Certificate sent date",
            "Postal tracking reference",
        ]
    )
    size = len(buffer.getvalue().encode())
    step = 0
    while True:
        kind = pattern[step % len(pattern)]
        row = makers[kind](counters[kind])
        row += [""] * (10 - len(row))
        line = io.StringIO(newline="")
        csv.writer(line, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(row)
        encoded = len(line.getvalue().encode())
        if size + encoded > target_bytes or counters["new"] >= len(fresh):
            break
        buffer.write(line.getvalue())
        size += encoded
        counters[kind] += 1
        step += 1
    return buffer.getvalue().encode("utf-8"), counters


def _backend_cpu() -> tuple[int, float | None]:
    """(pid, CPU seconds) of the PostgreSQL backend serving Django's connection; None when the
    database does not run on this machine (its process cannot be read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_cpu_since(start: tuple[int, float | None]) -> float | None:
    """PostgreSQL's CPU time for this connection since `start`, if it stayed one backend."""
    pid, cpu = _backend_cpu()
    if cpu is None or start[1] is None or pid != start[0]:
        return None
    return cpu - start[1]


def run_ours(content: bytes) -> dict[str, object]:
    from accounts.models import User
    from providers.models import Provider
    from registrations.imports import registration_import_start, registration_import_upload

    user = User.objects.get(username="bench.importer")
    provider = Provider.objects.get(centre_number="90001")
    backend_started = _backend_cpu()
    started = time.perf_counter()
    started_cpu = time.process_time()
    job = registration_import_start(
        provider=provider,
        file_name="cohort.csv",
        content=content,
        separator=",",
        acting_user=user,
    )
    job.refresh_from_db()
    validated, validated_cpu = time.perf_counter(), time.process_time()
    job = registration_import_upload(job=job, acting_user=user)
    job.refresh_from_db()
    uploaded, uploaded_cpu = time.perf_counter(), time.process_time()
    backend_cpu = _backend_cpu_since(backend_started)
    assert job.status == "uploaded", (job.status, job.file_error, job.result)
    return {
        "rows": job.data_rows,
        "accepted": job.accepted_count,
        "rejected": job.rejected_row_count,
        "validate_s": validated - started,
        "upload_s": uploaded - validated,
        "total_s": uploaded - started,
        "validate_cpu_s": validated_cpu - started_cpu,
        "upload_cpu_s": uploaded_cpu - validated_cpu,
        "backend_cpu_s": backend_cpu,
        "created": job.result["created"],
        "updated": job.result["updated"],
        "unchanged": job.result["unchanged"],
        "numbers": len(job.result["numbers_issued"]),
    }


def run_import_export(content: bytes) -> dict[str, object]:
    import tablib
    from import_export import fields, resources, widgets

    from learners.models import Learner
    from providers.models import Provider
    from registrations.models import CourseRun, Registration, RegistrationStatus
    from registrations.services import registration_number_issue

    provider = Provider.objects.get(centre_number="90001")
    today = timezone.localdate()

    class ProviderLearnerWidget(widgets.ForeignKeyWidget):
        def get_queryset(self, value, row, *args, **kwargs):
            return Learner.objects.filter(provider=provider)

    class StatusWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            status = RegistrationStatus.from_label(value or "")
            if status is None:
                raise ValueError(f"Unknown status {value!r}")
            return status.value

    def date_field(attribute: str, column: str) -> fields.Field:
        return fields.Field(
            attribute=attribute, column_name=column, widget=widgets.DateWidget("%d/%m/%Y")
        )

    class RegistrationResource(resources.ModelResource):
        qualification_number = fields.Field(column_name="Qualification Number", readonly=True)
        learner = fields.Field(
            attribute="learner", column_name="ULN", widget=ProviderLearnerWidget(Learner, "uln")
        )
        status = fields.Field(attribute="status", column_name="Status", widget=StatusWidget())
        registration_number = fields.Field(
            attribute="registration_number", column_name="Registration number"
        )
        registration_date = date_field("registration_date", "Registration date")
        certificate_claimed_date = date_field(
            "certificate_claimed_date", "Certificate claimed date"
        )
        achieved_date = date_field("achieved_date", "Achieved date")
        certificate_received_date = date_field(
            "certificate_received_date", "Certificate received date"
        )
        certificate_sent_date = date_field("certificate_sent_date", "Certificate sent date")
        postal_tracking_reference = fields.Field(
            attribute="postal_tracking_reference", column_name="Postal tracking reference"
        )

        class Meta:
            model = Registration
            fields = (
                "qualification_number",
                "learner",
                "status",
                "registration_number",
                "registration_date",
                "certificate_claimed_date",
                "achieved_date",
                "certificate_received_date",
                "certificate_sent_date",
                "postal_tracking_reference",
            )
            import_id_fields = ("learner", "qualification_number")
            use_bulk = True
            batch_size = 1000
            skip_unchanged = True
            skip_html_diff = True
            report_skipped = False

        def get_instance(self, instance_loader, row):
            return (
                Registration.objects.filter(
                    learner__provider=provider,
                    learner__uln=row["ULN"],
                    course_run__qualification__number=row["Qualification Number"],
                )
                .select_related("course_run")
                .first()
            )

        def before_save_instance(self, instance, row, **kwargs):
            if instance.course_run_id is None:
                run = (
                    CourseRun.objects.filter(
                        provider=provider,
                        qualification__number=row["Qualification Number"],
                        start_date__lte=today,
                        planned_achievement_date__gte=today,
                    )
                    .order_by("-start_date")
                    .first()
                )
                if run is None:
                    raise ValueError("No course run")
                instance.course_run = run
            if instance.registration_number == "":
                instance.registration_number = None
            if instance.status == "registered" and not instance.registration_number:
                instance.registration_number = registration_number_issue()
                instance.registration_date = instance.registration_date or today

    dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    resource = RegistrationResource()
    started = time.perf_counter()
    dry = resource.import_data(dataset, dry_run=True, raise_errors=False)
    validated = time.perf_counter()
    real = RegistrationResource().import_data(dataset, dry_run=False, raise_errors=False)
    uploaded = time.perf_counter()
    return {
        "rows": len(dataset),
        "validate_s": validated - started,
        "upload_s": uploaded - validated,
        "total_s": uploaded - started,
        "errors": len(real.invalid_rows) + sum(1 for r in real.rows if r.errors),
        "dry_errors": len(dry.invalid_rows) + sum(1 for r in dry.rows if r.errors),
        "totals": dict(real.totals),
    }


WRITTEN_COLUMNS = (
    "learner_id",
    "course_run_id",
    "status",
    "registration_number",
    "registration_date",
    "achieved_date",
    "certificate_claimed_date",
    "certificate_sent_date",
    "certificate_received_date",
    "postal_tracking_reference",
    "language_for_assessment",
)


def rows_written(since: object) -> list[tuple[object, ...]]:
    """What the portal's importer wrote: every registration it created or changed, as values."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {', '.join(WRITTEN_COLUMNS)} FROM registrations_registration "  # noqa: S608
            "WHERE updated_at >= %s ORDER BY id",
            [since],
        )
        return cursor.fetchall()


def run_floor(written: list[tuple[object, ...]], seeded_max_id: int) -> dict[str, object]:
    """The floor: the same accepted rows written set-based, with no validation and no audit.

    One COPY of the rows into a temporary table, one INSERT ... SELECT of the new ones and one
    UPDATE ... FROM of the changed ones, in one transaction."""
    from django.db import transaction

    columns = ", ".join(WRITTEN_COLUMNS)
    backend_started = _backend_cpu()
    started = time.perf_counter()
    started_cpu = time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE incoming (id bigint, learner_id bigint, "
            "course_run_id bigint, status text, registration_number text, "
            "registration_date date, achieved_date date, certificate_claimed_date date, "
            "certificate_sent_date date, certificate_received_date date, "
            "postal_tracking_reference text, language_for_assessment text) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY incoming (id, {columns}) FROM STDIN") as copy:
            for row in written:
                copy.write_row((row[0] if row[0] <= seeded_max_id else None, *row[1:]))
        cursor.execute(
            f"INSERT INTO registrations_registration ({columns}, void_reason, created_at, "  # noqa: S608
            f"updated_at) SELECT {columns}, '', now(), now() FROM incoming WHERE id IS NULL"
        )
        created = cursor.rowcount
        assignments = ", ".join(f"{name} = i.{name}" for name in WRITTEN_COLUMNS[2:])
        cursor.execute(
            f"UPDATE registrations_registration AS r SET {assignments}, updated_at = now() "  # noqa: S608
            "FROM incoming AS i WHERE r.id = i.id"
        )
        updated = cursor.rowcount
    return {
        "total_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - started_cpu,
        "backend_cpu_s": _backend_cpu_since(backend_started),
        "created": created,
        "updated": updated,
    }


def _seconds(value: object) -> str:
    return f"{value:.2f} s" if isinstance(value, float) else "not readable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    parser.add_argument(
        "--skip-import-export", action="store_true", help="only measure the portal's importer"
    )
    parser.add_argument("--profile", action="store_true", help="profile the portal's importer")
    options = parser.parse_args()
    print(f"Throwaway databases: {SEED_DB} (+ copies); dropped at the end.")
    try:
        connections.close_all()
        _drop(SEED_DB)
        _admin(f'CREATE DATABASE "{SEED_DB}"')
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        content, mix = seed(options.max_bytes)
        rows = sum(mix.values())
        print(
            f"File: {len(content) / 1024 / 1024:.2f} MB, {rows} rows "
            f"({mix['new']} new, {mix['receipt']} receipts by number, {mix['restated']} "
            f"restated by number, {mix['by_uln']} by ULN + qualification, {mix['invalid']} "
            f"invalid); seeded in {time.perf_counter() - started:.1f} s"
        )

        _copy_seed(RUN_DBS[0])
        _use(RUN_DBS[0])
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id), now() FROM registrations_registration")
            seeded_max_id, run_started = cursor.fetchone()
        load_before = os.getloadavg()[0]
        if options.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            ours = profiler.runcall(run_ours, content)
            if profile_out := os.environ.get("BENCH_PROFILE_OUT"):
                profiler.dump_stats(profile_out)  # for pstats or snakeviz
            pstats.Stats(profiler).sort_stats(
                os.environ.get("BENCH_PROFILE_SORT", "cumulative")
            ).print_stats(45)
        else:
            ours = run_ours(content)
        print(
            f"Portal importer: validate {ours['validate_s']:.2f} s + upload "
            f"{ours['upload_s']:.2f} s = {ours['total_s']:.2f} s; "
            f"{ours['rows'] / ours['total_s']:.0f} rows/s "
            f"({ours['accepted']} accepted: {ours['created']} created, {ours['updated']} "
            f"updated, {ours['unchanged']} unchanged, {ours['numbers']} numbers issued; "
            f"{ours['rejected']} rows refused); this process's CPU time: validate "
            f"{ours['validate_cpu_s']:.2f} s + upload {ours['upload_cpu_s']:.2f} s; "
            f"PostgreSQL's CPU time for it: {_seconds(ours['backend_cpu_s'])}; "
            f"load average {load_before:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after"
        )
        written = rows_written(run_started)
        _copy_seed(RUN_DBS[3])
        _use(RUN_DBS[3])
        floor = run_floor(written, seeded_max_id)
        print(
            f"Floor (the same {len(written)} rows written by one COPY, one INSERT ... SELECT and "
            f"one UPDATE ... FROM; no validation, no audit): {floor['total_s']:.2f} s "
            f"({floor['created']} created, {floor['updated']} updated); portal importer "
            f"{ours['total_s'] / floor['total_s']:.1f}x the floor; CPU time {floor['cpu_s']:.2f} s "
            f"here + {_seconds(floor['backend_cpu_s'])} in PostgreSQL"
        )

        _copy_seed(RUN_DBS[1])
        _use(RUN_DBS[1])
        tracemalloc.start()
        run_ours(content)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"Portal importer peak Python memory (tracemalloc): {peak / 1024 / 1024:.1f} MB")

        goal_time = "met" if ours["total_s"] < 5 else "NOT met"
        if options.skip_import_export:
            print(f"Goal: whole file in under 5 s: {goal_time}")
            return
        _copy_seed(RUN_DBS[2])
        _use(RUN_DBS[2])
        baseline = run_import_export(content)
        print(
            f"django-import-export (use_bulk, batch_size=1000, skip_unchanged; dry run then "
            f"import): {baseline['validate_s']:.2f} s + {baseline['upload_s']:.2f} s = "
            f"{baseline['total_s']:.2f} s; {baseline['rows'] / baseline['total_s']:.0f} rows/s "
            f"({baseline['errors']} rows with errors; totals {baseline['totals']})"
        )
        ratio = baseline["total_s"] / ours["total_s"]
        goal_ratio = "met" if ratio >= 5 else "NOT met"
        print(
            f"Ratio: portal importer is {ratio:.1f}x django-import-export "
            f"(goal >= 5x: {goal_ratio})"
        )
        print(f"Goal: whole file in under 5 s: {goal_time}")
    finally:
        connections.close_all()
        for name in [*RUN_DBS, SEED_DB]:
            _drop(name)


if __name__ == "__main__":
    main()
