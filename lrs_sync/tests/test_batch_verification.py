"""Batch verification (R-LRS-10): choosing learners, a job that stores every answer in bulk,
its results page and CSV, providers' outcomes, and faults that lose nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from learners.models import VerificationStatus
from learners.tests.factories import LearnerFactory, valid_uln
from lrs_sync.models import VerifyJob
from lrs_sync.services import (
    verify_job_create,
    verify_job_run,
    verify_jobs_resume,
    verify_rows_unverified,
)
from lrs_sync.services_csv import verify_file_read
from providers.tests.factories import ProviderFactory

from .helpers import batch_user, on_register

pytestmark = pytest.mark.django_db


def _provider_with_learners(count: int = 6):
    provider = ProviderFactory()
    learners = [LearnerFactory(provider=provider) for _ in range(count)]
    for learner in learners[:-2]:
        on_register(learner)
    on_register(learners[-2], date_of_birth=datetime.date(1999, 1, 1))  # VRC005, VRF7
    return provider, learners  # the last is unknown to the LRS: VRC006


def test_r_lrs_10_a_batch_of_one_providers_unverified_learners_stores_every_answer(
    django_capture_on_commit_callbacks,
):
    provider, learners = _provider_with_learners()
    LearnerFactory()  # another provider's learner is not in the batch
    user = batch_user()

    with django_capture_on_commit_callbacks(execute=True):
        job = verify_job_create(
            source=VerifyJob.Source.PROVIDER,
            provider=provider,
            rows=verify_rows_unverified(provider=provider),
            acting_user=user,
            chunk_size=2,
        )

    job.refresh_from_db()
    assert job.status == VerifyJob.Status.DONE
    assert (job.total, job.stored) == (6, 6)
    assert job.chunks.count() == 3
    statuses = [
        learner.verification_status
        for learner in type(learners[0]).objects.filter(provider=provider)
    ]
    assert sorted(statuses) == sorted(
        [VerificationStatus.VERIFIED] * 4
        + [VerificationStatus.NOT_MATCHED, VerificationStatus.ULN_NOT_FOUND]
    )
    codes = sorted(job.learners.values_list("response_code", flat=True))
    assert codes == ["WSVRC001"] * 4 + ["WSVRC005", "WSVRC006"]
    learners[-2].refresh_from_db()
    assert learners[-2].verified_by == user
    assert learners[-2].verification_flags == ["VRF7"]


def test_r_lrs_10_a_verified_learner_is_not_chosen_again():
    provider, learners = _provider_with_learners(3)
    type(learners[0]).objects.filter(pk=learners[0].pk).update(
        verification_status=VerificationStatus.VERIFIED
    )

    rows = verify_rows_unverified(provider=provider)

    assert {row.learner_id for row in rows} == {learners[1].pk, learners[2].pk}


def test_r_lrs_10_learners_already_in_an_unfinished_batch_are_not_chosen_again():
    provider, learners = _provider_with_learners(3)
    first = verify_job_create(  # not dispatched: still queued
        source=VerifyJob.Source.PROVIDER,
        provider=provider,
        rows=verify_rows_unverified(provider=provider)[:1],
        acting_user=batch_user(),
    )

    rows = verify_rows_unverified(provider=provider)

    assert first.status == VerifyJob.Status.QUEUED
    assert {row.learner_id for row in rows} == {learners[1].pk, learners[2].pk}


def test_r_lrs_10_the_results_filter_by_code_and_download_as_csv(
    client, django_capture_on_commit_callbacks
):
    provider, _ = _provider_with_learners()
    user = batch_user()
    with django_capture_on_commit_callbacks(execute=True):
        job = verify_job_create(
            source=VerifyJob.Source.PROVIDER,
            provider=provider,
            rows=verify_rows_unverified(provider=provider),
            acting_user=user,
        )
    sign_in(client, user)

    page = client.get(reverse("lrs_sync:verify_job", args=[job.pk]), {"code": "WSVRC005"})
    download = client.get(
        reverse("lrs_sync:verify_job_results_csv", args=[job.pk]), {"code": "WSVRC005"}
    )

    text = page.content.decode()
    assert "Check the date of birth with the learner." in text
    table = text.split("<tbody>")[-1].split("</tbody>")[0]
    assert "WSVRC005" in table and "WSVRC001" not in table
    lines = b"".join(download.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("ULN,GivenName,FamilyName")
    assert len(lines) == 2 and "WSVRC005" in lines[1] and "VRF7" in lines[1]


def test_r_lrs_10_providers_see_their_own_learners_outcomes_with_the_next_step(
    client, django_capture_on_commit_callbacks
):
    provider, learners = _provider_with_learners(3)
    other_provider, _ = _provider_with_learners(3)
    with django_capture_on_commit_callbacks(execute=True):
        verify_job_create(
            source=VerifyJob.Source.ALL_PROVIDERS,
            rows=verify_rows_unverified(provider=None),
            acting_user=batch_user(),
        )
    sign_in(client, UserFactory(organisation=provider.organisation))

    text = client.get(reverse("lrs_sync:outcomes")).content.decode()

    assert learners[-1].family_name in text
    assert "Check the ULN with the learner" in text  # ULN not found
    assert "Check the date of birth with the learner." in text
    for learner in other_provider.learners.all():
        assert learner.uln not in text


def test_r_lrs_10_a_batch_from_a_file_is_read_and_run(client, django_capture_on_commit_callbacks):
    learner = on_register(LearnerFactory(given_name="Maya", family_name="Osei"))
    user = batch_user()
    sign_in(client, user)
    content = (
        "ULN,GivenName,FamilyName,DateOfBirth,Gender\n"
        f"{learner.uln},Maya,Osei,{learner.date_of_birth:%d/%m/%Y},{learner.gender}\n"
        f"{valid_uln(7001)},Sam,Nobody,01/02/2005,\n"
    ).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("lrs_sync:verify_jobs"),
            {"source": "csv", "file": SimpleUploadedFile("learners.csv", content, "text/csv")},
        )

    job = VerifyJob.objects.get()
    assert response.status_code == 302
    assert job.status == VerifyJob.Status.DONE
    assert sorted(job.learners.values_list("response_code", flat=True)) == [
        "WSVRC001",
        "WSVRC006",
    ]
    learner.refresh_from_db()
    assert learner.verification_status == VerificationStatus.VERIFIED


def test_r_lrs_10_a_malformed_file_is_refused_naming_the_row_and_field(client):
    sign_in(client, batch_user())
    content = (
        "ULN,GivenName,FamilyName,DateOfBirth,Gender\n"
        "1234567890,Ann,Lee,01/02/2005,2\n"
        f"{valid_uln(7002)},,Lee,31/02/2005,X\n"
    ).encode()

    response = client.post(
        reverse("lrs_sync:verify_jobs"),
        {"source": "csv", "file": SimpleUploadedFile("bad.csv", content, "text/csv")},
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "Row 2, ULN: This is not a valid ULN" in text
    assert "Row 3, given name: enter the learner&#x27;s given name." in text
    assert "Row 3, date of birth:" in text
    assert "Row 3, gender:" in text
    assert not VerifyJob.objects.exists()


def test_r_lrs_10_an_oversized_file_is_refused_with_the_limit():
    content = io.BytesIO()
    content.write(b"ULN,GivenName,FamilyName\n")
    content.write(b"9276308686,Ann,Lee\n" * 10_001)

    read = verify_file_read(content.getvalue())

    assert read.rows == []
    assert read.problems == [
        "The file has 10,001 learners; the most in one file is 10,000. Split it into smaller files."
    ]


def test_r_lrs_10_a_file_without_the_uln_column_names_the_header_row():
    read = verify_file_read(b"Name,Surname\nAnn,Lee\n")

    assert read.problems[0].startswith("Row 1 (the header): no ULN or given name column.")


def test_r_lrs_10_with_the_lrs_unreachable_the_job_waits_then_completes(
    settings, django_capture_on_commit_callbacks
):
    provider, _ = _provider_with_learners(3)
    sandpit = settings.LRS_ENDPOINT_LEARNER
    settings.LRS_ENDPOINT_LEARNER = "http://127.0.0.1:9/lrs-sandpit/LearnerService.svc"
    with django_capture_on_commit_callbacks(execute=True):
        job = verify_job_create(
            source=VerifyJob.Source.PROVIDER,
            provider=provider,
            rows=verify_rows_unverified(provider=provider),
            acting_user=batch_user(),
        )
    job.refresh_from_db()
    assert job.status == VerifyJob.Status.WAITING_FOR_LRS
    assert job.last_error and job.stored == 0

    settings.LRS_ENDPOINT_LEARNER = sandpit
    assert verify_job_run(job_id=job.pk) is True

    job.refresh_from_db()
    assert job.status == VerifyJob.Status.DONE and job.stored == 3 and job.last_error == ""


def test_r_lrs_10_beat_hands_a_stalled_job_to_the_queue_again(
    settings, django_capture_on_commit_callbacks
):
    provider, _ = _provider_with_learners(2)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    job = verify_job_create(  # committed but never dispatched: as if the broker were down
        source=VerifyJob.Source.PROVIDER,
        provider=provider,
        rows=verify_rows_unverified(provider=provider),
        acting_user=batch_user(),
    )
    VerifyJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5),
        progress_at=timezone.now() - datetime.timedelta(hours=1),
        status=VerifyJob.Status.RUNNING,
    )

    resumed = verify_jobs_resume()

    job.refresh_from_db()
    assert resumed == [job.pk]
    assert job.status == VerifyJob.Status.DONE and job.stored == 2


def test_r_lrs_10_the_page_says_the_lrs_is_unavailable_while_a_job_waits(client):
    user = batch_user()
    job = VerifyJob.objects.create(
        source=VerifyJob.Source.ALL_PROVIDERS,
        total=1,
        created_by=user,
        status=VerifyJob.Status.WAITING_FOR_LRS,
        last_error="The LRS could not be reached: connection refused.",
    )
    sign_in(client, user)

    text = client.get(reverse("lrs_sync:verify_job", args=[job.pk])).content.decode()
    progress = client.get(reverse("lrs_sync:verify_job_progress", args=[job.pk])).json()

    assert "The LRS is unavailable" in text
    assert '<meta http-equiv="refresh" content="3">' in text  # refreshes itself without JS
    assert progress["lrs_unavailable"] is True and progress["finished"] is False


def test_r_lrs_10_a_date_of_birth_after_today_is_refused_naming_the_row_and_field():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    content = (
        "ULN,GivenName,FamilyName,DateOfBirth\n"
        f"{valid_uln(7003)},Ann,Lee,{tomorrow:%d/%m/%Y}\n"
        f"{valid_uln(7004)},Bo,Lee,31/12/9999\n"
    ).encode()

    read = verify_file_read(content)

    assert read.rows == []
    assert read.problems == [
        f"Row 2, date of birth: {tomorrow:%d/%m/%Y} is after today; check the year.",
        "Row 3, date of birth: 31/12/9999 is after today; check the year.",
    ]
