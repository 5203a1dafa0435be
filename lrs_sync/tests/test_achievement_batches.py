"""Achievement batches: built with lxml to the ExternalService contract, sent once, followed to
the end, every rejection back on its record (R-LRS-1, R-LRS-2, R-LRS-8, R-LRS-9, R-LRS-12)."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from lxml import etree

from audit.models import AuditEvent
from learners.models import Learner
from learners.tests.factories import LearnerFactory
from lrs_sandpit.achievement_models import HeldAchievement
from lrs_sync import achievement_rules
from lrs_sync.achievement_batches import (
    achievement_batch_resubmit_fixed,
    achievement_batches_build,
)
from lrs_sync.achievement_client import credentials_from_settings
from lrs_sync.achievement_envelopes import (
    NS_MODEL,
    NS_SERVICES,
    contract_errors,
    with_invoking_user,
)
from lrs_sync.achievement_models import (
    Achievement,
    AchievementBatch,
    AchievementState,
    BatchRecord,
    BatchStatus,
)
from lrs_sync.achievement_submission import batch_poll, batch_send, error_file_parse
from lrs_sync.achievements import achievement_waiting_reasons
from qualifications.models import Unit
from qualifications.tests.factories import UnitFactory

from .conftest import verify

pytestmark = pytest.mark.django_db
S = AchievementState


def _records(make_achievement, sandpit, count, *, registered=True):
    records = []
    for _ in range(count):
        learner = LearnerFactory()
        unit = UnitFactory()
        sandpit.aims(unit)
        if registered:
            sandpit.register(learner)
        records.append(make_achievement(learner, aim=unit))
    return records


def _build(submission_type="Final", **kwargs):
    """Build, then run what waits for the commit: each batch's task, eagerly, to the end."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return achievement_batches_build(
            submission_type=submission_type, acting_user=None, **kwargs
        )


def test_the_envelope_validates_against_the_projects_xsd_in_both_namespaces(
    make_achievement, sandpit
):
    _records(make_achievement, sandpit, 2)
    (batch,) = _build()

    root = etree.fromstring(bytes(batch.payload))
    request = with_invoking_user(bytes(batch.payload), credentials_from_settings())
    assert contract_errors(request) == []
    assert root.tag == f"{{{NS_SERVICES}}}SubmitAchievementBatchJob"
    achievement = root.find(f"{{{NS_SERVICES}}}achievements/{{{NS_SERVICES}}}Achievement")
    names = [etree.QName(child).localname for child in achievement]
    assert names == sorted(names, key=str.lower)  # the contract's alphabetical order
    assert achievement.findtext(f"{{{NS_SERVICES}}}AchievementAwardDate") == "2026-03-02T00:00:00"
    assert achievement.findtext(f"{{{NS_SERVICES}}}Action") == "1"
    # The stored batch (and its download) carries no password; the sent request adds it.
    assert root.find(f"{{{NS_SERVICES}}}invokingUser") is None
    assert b"sandpit-password" not in bytes(batch.payload)


def test_the_invoking_users_fields_are_in_the_model_namespace(make_achievement, sandpit):
    _records(make_achievement, sandpit, 1)
    (batch,) = _build()

    request = with_invoking_user(bytes(batch.payload), credentials_from_settings())
    user = request[0]
    assert user.tag == f"{{{NS_SERVICES}}}invokingUser"
    assert [child.tag for child in user] == [
        f"{{{NS_MODEL}}}OrgPassword",
        f"{{{NS_MODEL}}}OrganisationRef",
        f"{{{NS_MODEL}}}UserName",
    ]
    assert contract_errors(request) == []


def test_r_lrs_8_records_are_ordered_by_uln_and_the_header_carries_the_email(
    make_achievement, sandpit, settings
):
    records = _records(make_achievement, sandpit, 4)
    (batch,) = _build()

    root = etree.fromstring(bytes(batch.payload))
    ulns = [e.text for e in root.iter(f"{{{NS_SERVICES}}}Uln")]
    assert ulns == sorted(r.uln for r in records)
    assert root.findtext(f"{{{NS_SERVICES}}}emailAddress") == settings.LRS_NOTIFICATION_EMAIL


def test_r_lrs_1_a_batch_is_split_at_the_record_limit(make_achievement, sandpit, monkeypatch):
    monkeypatch.setattr(achievement_rules, "BATCH_MAX_RECORDS", 2)
    _records(make_achievement, sandpit, 5)

    batches = _build()

    assert [b.record_count for b in batches] == [2, 2, 1]


def test_r_lrs_1_a_batch_is_split_at_the_size_limit(make_achievement, sandpit, monkeypatch):
    monkeypatch.setattr(achievement_rules, "BATCH_MAX_BYTES", 2500)
    _records(make_achievement, sandpit, 4)

    batches = _build()

    assert len(batches) > 1
    assert all(len(bytes(b.payload)) <= 2500 for b in batches)
    assert sum(b.record_count for b in batches) == 4


def test_r_lrs_2_provisional_and_final_never_share_a_batch(
    make_achievement, sandpit, general_qualification
):
    _records(make_achievement, sandpit, 1)
    provisional = make_achievement(aim=general_qualification, submission_type="Provisional")

    final_batches = _build("Final")
    provisional_batches = _build("Provisional")

    assert [b.submission_type for b in final_batches] == ["Final"]
    assert [b.submission_type for b in provisional_batches] == ["Provisional"]
    assert provisional_batches[0].records.get().achievement == provisional


def test_r_lrs_10_an_unverified_learners_record_waits_out_of_the_batch(make_achievement, sandpit):
    (ready,) = _records(make_achievement, sandpit, 1)
    waiting = make_achievement(verified=False)

    (batch,) = _build()

    assert list(batch.records.values_list("achievement_id", flat=True)) == [ready.pk]
    waiting.refresh_from_db()
    assert waiting.state == S.PENDING
    assert "not been verified" in achievement_waiting_reasons(waiting)[0]


def test_a_batch_is_sent_once_and_its_records_are_accepted(make_achievement, sandpit):
    records = _records(make_achievement, sandpit, 3)
    (batch,) = _build()  # eager tasks: sent and followed to the end

    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCESSFUL
    assert batch.job_id == sandpit.jobs().get().pk
    assert (batch.number_of_records, batch.achievements_created) == (3, 3)
    assert batch.percentage_successful == 100.0
    for record in records:
        record.refresh_from_db()
        assert (record.state, record.held_at_lrs, record.pending_action) == (
            S.ACCEPTED,
            True,
            None,
        )
    assert HeldAchievement.objects.count() == 3


def test_the_lrs_emails_the_header_address_when_the_job_completes(make_achievement, sandpit):
    _records(make_achievement, sandpit, 1)

    _build()

    assert [m.to for m in mail.outbox] == [["lrs-batches@awards.example"]]
    assert "Successful" in mail.outbox[0].subject


def test_rejected_records_carry_the_lrs_exception_in_words(make_achievement, sandpit):
    records = _records(make_achievement, sandpit, 4)
    wrong = records[0].learner
    Learner.objects.filter(pk=wrong.pk).update(family_name="Someone-Else")

    (batch,) = _build()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCESSFUL
    assert "LRN001" in batch.error_file  # the raw file is kept
    rejected = Achievement.objects.get(pk=records[0].pk)
    assert rejected.state == S.REJECTED
    assert rejected.exception_code == "LRN001"
    assert rejected.exception_text.startswith(
        "The learner's name or date of birth does not match the LRS."
    )
    assert batch.records.get(achievement=rejected).outcome == BatchRecord.Outcome.REJECTED
    assert Achievement.objects.filter(state=S.ACCEPTED).count() == 3


def test_r_lrs_9_more_than_30_percent_rejected_fails_the_batch_and_records_go_back_to_pending(
    make_achievement, sandpit
):
    records = _records(make_achievement, sandpit, 2)
    records += _records(make_achievement, sandpit, 2, registered=False)

    (batch,) = _build()

    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.rejection_reason.startswith("RS005")
    assert not HeldAchievement.objects.exists()
    states = {r.pk: r for r in Achievement.objects.all()}
    assert {a.state for a in states.values()} == {S.PENDING}
    # The good records go again with the next batch; the rejected ones wait to be fixed.
    assert states[records[0].pk].exception_code == "RS005"
    assert achievement_waiting_reasons(states[records[0].pk]) == []
    assert states[records[2].pk].exception_code == "ULN001"
    assert "rejected it" in achievement_waiting_reasons(states[records[2].pk])[0]


def test_resubmit_the_fixed_records_builds_a_batch_of_just_those(make_achievement, sandpit):
    records = _records(make_achievement, sandpit, 4)
    wrong = records[0].learner
    Learner.objects.filter(pk=wrong.pk).update(family_name="Wrong")
    (batch,) = _build()
    batch.refresh_from_db()

    # Not yet fixed: nothing to resubmit.
    assert achievement_batch_resubmit_fixed(batch=batch, acting_user=None) == []
    registered = sandpit
    fixed = Learner.objects.get(pk=wrong.pk)
    fixed.family_name = records[0].learner.family_name
    fixed.updated_at = datetime.datetime.now(tz=datetime.UTC)
    fixed.save()
    verify(fixed)
    registered.register(fixed)

    with TestCase.captureOnCommitCallbacks(execute=True):
        (again,) = achievement_batch_resubmit_fixed(batch=batch, acting_user=None)

    assert list(again.records.values_list("achievement_id", flat=True)) == [records[0].pk]
    assert Achievement.objects.get(pk=records[0].pk).state == S.ACCEPTED


def test_a_message_delivered_twice_sends_nothing_more(make_achievement, sandpit):
    _records(make_achievement, sandpit, 1)
    (batch,) = _build()

    batch_send(batch_id=batch.pk)
    batch_poll(batch_id=batch.pk)

    assert sandpit.jobs().count() == 1


def test_a_batch_left_sending_is_marked_outcome_unknown_and_never_resent(
    make_achievement, sandpit, django_capture_on_commit_callbacks
):
    _records(make_achievement, sandpit, 1)
    batch = _build()[0]
    AchievementBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.SENDING, job_id=None, completed_at=None
    )
    jobs_before = sandpit.jobs().count()

    batch_send(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.OUTCOME_UNKNOWN
    assert sandpit.jobs().count() == jobs_before


def test_a_batch_whose_job_id_was_stored_is_resumed_by_polling(make_achievement, sandpit, settings):
    settings.LRS_SANDPIT_WAITING_SECONDS = 3600
    settings.LRS_POLL_FIRST_SECONDS = 60  # the eager poll comes early and does nothing
    (record,) = _records(make_achievement, sandpit, 1)
    (batch,) = _build()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED and batch.job_id
    settings.LRS_SANDPIT_WAITING_SECONDS = 0
    AchievementBatch.objects.filter(pk=batch.pk).update(next_poll_at=None)

    batch_send(batch_id=batch.pk)  # a redelivered send finds the job id and polls

    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUCCESSFUL
    assert sandpit.jobs().count() == 1
    record.refresh_from_db()
    assert record.state == S.ACCEPTED


def test_r_lrs_12_the_aos_record_takes_the_place_of_a_providers(make_achievement, sandpit):
    (record,) = _records(make_achievement, sandpit, 1)
    HeldAchievement.objects.create(
        uln=record.uln,
        award_date=record.award_date,
        aim_reference=record.aim_reference,
        grade="X",
        source=HeldAchievement.Source.PROVIDER,
    )

    _build()

    held = HeldAchievement.objects.get()
    assert (held.source, held.grade) == ("ao", record.grade)
    record.refresh_from_db()
    assert record.state == S.ACCEPTED


def test_the_error_file_parser_skips_what_it_cannot_read():
    text = (
        "RecordNumber,MisIdentifier,Uln,UnitOrQualificationReferenceNumber,AchievementAwardDate,"
        "ErrorType,ErrorCode,ErrorDescription\n1,ACH7,9276308686,U/1,2026-03-02,LearnerData,"
        "LRN001,No match\nnonsense\n"
    )
    (error,) = error_file_parse(text)
    assert (error.mis_identifier, error.code) == ("ACH7", "LRN001")


def test_withdraw_and_reinstate_reach_the_lrs(make_achievement, sandpit):
    from lrs_sync.achievements import achievement_reinstate, achievement_withdraw

    (record,) = _records(make_achievement, sandpit, 1)
    _build()
    record = achievement_withdraw(
        achievement=record,
        action_date=datetime.date(2026, 3, 5),
        reason="SUBINERROR",
        acting_user=None,
    )
    _build()
    record.refresh_from_db()
    assert record.state == S.WITHDRAWN
    assert HeldAchievement.objects.get().withdrawn

    achievement_reinstate(
        achievement=record,
        action_date=datetime.date(2026, 3, 6),
        reason="SUBINERROR",
        acting_user=None,
    )
    _build()
    record.refresh_from_db()
    assert record.state == S.REINSTATED
    assert not HeldAchievement.objects.get().withdrawn


def test_a_record_voided_while_in_a_batch_is_withdrawn_once_the_batch_is_processed(
    make_achievement, sandpit, settings
):
    from lrs_sync.achievement_events import achievements_withdraw_all

    settings.LRS_SANDPIT_WAITING_SECONDS = 3600
    settings.LRS_POLL_FIRST_SECONDS = 60  # the eager poll comes early and does nothing
    (record,) = _records(make_achievement, sandpit, 1)
    (batch,) = _build()
    record.refresh_from_db()
    assert record.state == S.IN_BATCH

    achievements_withdraw_all(
        achievements=[record], reason="ACHINVALID", acting_user=None, note="Voided."
    )
    settings.LRS_SANDPIT_WAITING_SECONDS = 0
    AchievementBatch.objects.filter(pk=batch.pk).update(next_poll_at=None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch_poll(batch_id=batch.pk)

    record.refresh_from_db()
    assert (record.held_at_lrs, record.withdrawn, record.pending_action) == (True, True, 3)
    assert record.action_reason == "ACHINVALID" and record.withdraw_after_batch == ""
    assert "To be withdrawn (ACHINVALID) once batch" in " ".join(
        record.history.values_list("note", flat=True)
    )


def test_r_lrs_1_records_fill_a_batch_to_the_byte_limit_exactly(
    make_achievement, sandpit, monkeypatch
):
    _records(make_achievement, sandpit, 3)
    with transaction.atomic():
        (whole,) = achievement_batches_build(submission_type="Final", acting_user=None)
        size = len(bytes(whole.payload))
        transaction.set_rollback(True)
    with transaction.atomic():
        monkeypatch.setattr(achievement_rules, "BATCH_MAX_BYTES", size - 1)
        assert [b.record_count for b in _build()] == [2, 1]
        transaction.set_rollback(True)

    monkeypatch.setattr(achievement_rules, "BATCH_MAX_BYTES", size)
    (batch,) = _build()

    assert batch.record_count == 3 and len(bytes(batch.payload)) == size


def test_building_a_batch_writes_each_records_history_line_and_an_audit_row(
    make_achievement, sandpit, settings
):
    settings.LRS_SANDPIT_WAITING_SECONDS = 3600  # the batch stays with the LRS
    settings.LRS_POLL_FIRST_SECONDS = 60
    records = _records(make_achievement, sandpit, 2)

    (batch,) = _build()

    for record in records:
        line = record.history.order_by("pk").last()
        assert (line.from_state, line.to_state) == (S.PENDING, S.IN_BATCH)
        assert line.note == f"Put in batch {batch.pk} to create at the LRS."
        record.refresh_from_db()
        assert (record.state, record.batch_id) == (S.IN_BATCH, batch.pk)
    event = AuditEvent.objects.get(action="achievement_batch.build")
    assert event.object_id == str(batch.pk)
    assert sorted(event.after["achievements"]) == sorted(r.pk for r in records)
    rows = batch.records.order_by("position").values_list("achievement_id", "action", "outcome")
    assert list(rows) == [(r.pk, 1, "waiting") for r in sorted(records, key=lambda r: r.uln)]


def test_a_record_the_rules_hold_back_waits_out_of_the_batch_with_the_reason_its_page_gives(
    make_achievement, sandpit
):
    ready, moved, expired = _records(make_achievement, sandpit, 3)
    Learner.objects.filter(pk=moved.learner_id).update(uln="1234567890")
    Unit.objects.filter(reference=expired.aim_reference).update(
        operational_end_date=datetime.date(2025, 8, 31)
    )

    (batch,) = _build()

    assert list(batch.records.values_list("achievement_id", flat=True)) == [ready.pk]
    moved.refresh_from_db()
    expired.refresh_from_db()
    assert (moved.state, expired.state) == (S.PENDING, S.PENDING)
    assert "The learner's ULN is now 1234567890" in achievement_waiting_reasons(moved)[0]
    assert "after the aim's operational end date" in achievement_waiting_reasons(expired)[0]


def test_the_records_are_locked_in_id_order_whatever_order_the_batch_takes(
    make_achievement, sandpit
):
    _records(make_achievement, sandpit, 2)

    with CaptureQueriesContext(connection) as queries:  # the batch is sent after commit
        achievement_batches_build(submission_type="Final", acting_user=None)

    (locking,) = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    table = Achievement._meta.db_table
    assert locking.startswith(f'SELECT "{table}"."id" AS "pk",')  # so ORDER BY 1 is the id
    assert re.search(rf'ORDER BY (1|"{table}"\."id") ASC FOR UPDATE OF "{table}"$', locking)


def test_the_lrs_outcome_is_written_in_each_records_history(make_achievement, sandpit):
    accepted, rejected, *_others = _records(make_achievement, sandpit, 4)  # under 30% rejected
    Learner.objects.filter(pk=rejected.learner_id).update(family_name="Someone-Else")

    (batch,) = _build()

    batch.refresh_from_db()
    line = accepted.history.order_by("pk").last()
    assert (line.from_state, line.to_state) == (S.IN_BATCH, S.ACCEPTED)
    assert line.note == f"Accepted by the LRS in batch {batch.pk} (job {batch.job_id})."
    line = rejected.history.order_by("pk").last()
    assert (line.from_state, line.to_state) == (S.IN_BATCH, S.REJECTED)
    assert line.note.startswith(f"Rejected by the LRS in batch {batch.pk}: The learner's name")


def test_r_lrs_1_a_learners_name_outside_ascii_is_measured_as_the_envelope_stores_it(
    make_achievement, sandpit, monkeypatch
):
    records = _records(make_achievement, sandpit, 3)
    last = max(records, key=lambda r: r.uln)  # not the record the envelope is measured around
    Learner.objects.filter(pk=last.learner_id).update(given_name="Zoë", family_name="Ñúñez")
    with transaction.atomic():
        (whole,) = achievement_batches_build(submission_type="Final", acting_user=None)
        size = len(bytes(whole.payload))
        transaction.set_rollback(True)
    monkeypatch.setattr(achievement_rules, "BATCH_MAX_BYTES", size)

    (batch,) = achievement_batches_build(submission_type="Final", acting_user=None)

    assert batch.record_count == 3
    assert "<s:GivenName>Zoë</s:GivenName>".encode() in bytes(batch.payload)
