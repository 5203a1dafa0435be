"""What planning a registration file reads from the database, as plain values in a few queries,
and the fingerprint of it that lets Upload reuse Validate's plan (decision 0170).

The plan is a function of the file and of these facts alone (with today's date and whether the
user acts as the AO). Upload locks the registrations the file names and reads, under those
locks, only their ids and row versions (`_ROW_VERSION`), and the learners' likewise: if that
fingerprint is the one Validate planned from, planning again would give the same plan, so
Validate's plan is written as it is."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.db.models.expressions import RawSQL

from learners.models import Learner
from qualifications.models import Qualification
from qualifications.selectors import approved_qualification_ids

from ..import_rules import CourseRunOption
from ..models import CourseRun, Registration
from ..validators import RegistrationRecord

if TYPE_CHECKING:
    from providers.models import Provider


@dataclass(frozen=True)
class FileKeys:
    """What a file's usable rows name, normalised: the lookups planning makes for them."""

    qualification_numbers: tuple[str, ...] = ()
    ulns: tuple[str, ...] = ()
    registration_numbers: tuple[str, ...] = ()


class QualificationFacts(NamedTuple):
    pk: int
    number: str
    title: str
    operational_start_date: datetime.date
    operational_end_date: datetime.date | None


class LearnerFacts(NamedTuple):
    """What the rules need to know of a learner named by a row."""

    pk: int
    date_of_birth: Any


class RecordedRegistration(NamedTuple):
    """A registration as planning sees it: where it belongs and its record."""

    pk: int
    learner_id: int
    course_run_id: int
    qualification_id: int
    provider_id: int
    voided: bool
    record: RegistrationRecord


@dataclass
class ImportFacts:
    """Everything planning a file reads, and its fingerprint."""

    today: datetime.date
    as_ao: bool
    qualifications: dict[str, QualificationFacts] = field(default_factory=dict)
    approved: set[int] = field(default_factory=set)
    learners: dict[str, LearnerFacts] = field(default_factory=dict)
    runs_by_qualification: dict[int, list[CourseRunOption]] = field(default_factory=dict)
    registrations: list[RecordedRegistration] = field(default_factory=list)
    fingerprint: str = ""


_REGISTRATION_TABLE = Registration._meta.db_table
_COURSE_RUN_TABLE = CourseRun._meta.db_table
_LEARNER_TABLE = Learner._meta.db_table
# The registrations a file names: those of its learners for its qualifications at the provider,
# and those holding its registration numbers (wherever they are, to refuse another's number).
_REGISTRATIONS_NAMED = (
    f"FROM {_REGISTRATION_TABLE} AS r JOIN {_COURSE_RUN_TABLE} AS c ON c.id = r.course_run_id "
    "WHERE (c.provider_id = %s AND r.learner_id = ANY(%s::bigint[]) "
    "AND c.qualification_id = ANY(%s::bigint[])) "
    "OR r.registration_number = ANY(%s::text[]) ORDER BY r.id"
)
# A row's version: the transaction that wrote it and where it lies. Every write of a row, by
# whatever path (a form, the API, a queryset update, SQL), makes a new version with a new place,
# and a write by another transaction a new xmin; locking a row changes neither.
_ROW_VERSION = "{table}.xmin::text || '/' || {table}.ctid::text"
# What the fingerprint takes of each registration: where it belongs and its row version.
_REGISTRATION_VERSION = f"r.id, c.qualification_id, c.provider_id, {_ROW_VERSION.format(table='r')}"
# Then what planning needs, in the order of RecordedRegistration and RegistrationRecord.
_REGISTRATION_FACTS = (
    "r.learner_id, r.course_run_id, r.voided_at IS NOT NULL, r.status, "
    "coalesce(r.registration_number, ''), r.registration_date, r.achieved_date, "
    "r.certificate_claimed_date, r.certificate_sent_date, r.certificate_received_date, "
    "r.postal_tracking_reference, r.language_for_assessment"
)
_LEARNERS_NAMED = (
    f"FROM {_LEARNER_TABLE} AS l WHERE provider_id = %s AND uln = ANY(%s::text[]) ORDER BY id"
)
_LEARNER_VERSION = f"l.id, {_ROW_VERSION.format(table='l')}"


def _small_facts(facts: ImportFacts, keys: FileKeys, provider: Provider) -> list[Any]:
    """Qualifications, approvals and course runs (a few rows each), read in full; returns what
    of them goes into the fingerprint."""
    facts.qualifications = {
        row[1]: QualificationFacts(*row)
        for row in Qualification.objects.filter(
            number__in=RawSQL("SELECT unnest(%s::text[])", [list(keys.qualification_numbers)])
        ).values_list("pk", "number", "title", "operational_start_date", "operational_end_date")
    }
    facts.approved = approved_qualification_ids(provider_id=provider.pk)
    runs = sorted(
        CourseRun.objects.filter(
            provider=provider,
            qualification_id__in=[q.pk for q in facts.qualifications.values()],
        ).values_list(
            "pk", "qualification_id", "start_date", "planned_achievement_date", "programme_name"
        )
    )
    runs_by_qualification: dict[int, list[CourseRunOption]] = defaultdict(list)
    for pk, qualification_id, start, planned_achievement, programme_name in runs:
        runs_by_qualification[qualification_id].append(
            CourseRunOption(pk, start, planned_achievement, programme_name)
        )
    facts.runs_by_qualification = dict(runs_by_qualification)
    return [
        facts.today,
        facts.as_ao,
        provider.pk,
        sorted(facts.qualifications.values()),
        sorted(facts.approved),
        runs,
    ]


def _fingerprint(
    small: list[Any], learners: Sequence[Sequence[Any]], registrations: Sequence[Sequence[Any]]
) -> str:
    """One digest of the small facts in full, and of the learners' and registrations' ids with
    their row versions (learners: id, version; registrations: id, qualification, provider,
    version; both ordered by id)."""
    hasher = hashlib.sha256(repr(small).encode())
    hasher.update(repr([tuple(row) for row in learners]).encode())
    hasher.update(repr([tuple(row) for row in registrations]).encode())
    return hasher.hexdigest()


def import_facts_load(
    *, keys: FileKeys, provider: Provider, as_ao: bool, today: datetime.date, lock: bool
) -> ImportFacts:
    """The facts for planning a file, and their fingerprint. With `lock`, the registrations the
    file names are locked (by id, one order for every worker) and read as locked."""
    facts = ImportFacts(today=today, as_ao=as_ao)
    small = _small_facts(facts, keys, provider)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_LEARNER_VERSION}, uln, date_of_birth {_LEARNERS_NAMED}",
            [provider.pk, list(keys.ulns)],
        )
        learner_rows = cursor.fetchall()
        facts.learners = {uln: LearnerFacts(pk, born) for pk, _, uln, born in learner_rows}
        cursor.execute(
            f"SELECT {_REGISTRATION_VERSION}, {_REGISTRATION_FACTS} {_REGISTRATIONS_NAMED}"
            + (" FOR UPDATE OF r" if lock else ""),
            [
                provider.pk,
                [pk for pk, *_ in learner_rows],
                *_registration_parameters(facts, keys),
            ],
        )
        registration_rows = cursor.fetchall()
    facts.registrations = [
        RecordedRegistration(
            row[0], row[4], row[5], row[1], row[2], row[6], RegistrationRecord(*row[7:])
        )
        for row in registration_rows
    ]
    facts.fingerprint = _fingerprint(
        small, [row[:2] for row in learner_rows], [row[:4] for row in registration_rows]
    )
    return facts


def import_facts_fingerprint(
    *, keys: FileKeys, provider: Provider, as_ao: bool, today: datetime.date
) -> str:
    """The fingerprint `import_facts_load` would give now, read cheaply: the registrations the
    file names locked as `import_facts_load(lock=True)` locks them, but only their ids and row
    versions read (and the learners' likewise)."""
    facts = ImportFacts(today=today, as_ao=as_ao)
    small = _small_facts(facts, keys, provider)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_LEARNER_VERSION} {_LEARNERS_NAMED}",
            [provider.pk, list(keys.ulns)],
        )
        learner_rows = cursor.fetchall()
        cursor.execute(
            f"SELECT {_REGISTRATION_VERSION} {_REGISTRATIONS_NAMED} FOR UPDATE OF r",
            [provider.pk, [pk for pk, _ in learner_rows], *_registration_parameters(facts, keys)],
        )
        registration_rows = cursor.fetchall()
    return _fingerprint(small, learner_rows, registration_rows)


def _registration_parameters(facts: ImportFacts, keys: FileKeys) -> list[Any]:
    """The qualifications' ids and the file's registration numbers, after the provider and the
    learners' ids."""
    return [
        sorted(q.pk for q in facts.qualifications.values()),
        list(keys.registration_numbers),
    ]
