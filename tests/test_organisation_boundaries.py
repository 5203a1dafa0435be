"""R-ACC-6: a provider's users reach only their own provider's records, whatever the URL says.

Every URL that takes an object identifier must be listed in OBJECT_URLS, with a way to make such an
object belonging to another provider, or in NOT_PROVIDER_SCOPED with the reason. A new object page
or API endpoint that is in neither list fails `test_every_object_url_is_checked`.
"""

from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import PROVIDER_ROLES
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from certificates.tests.factories import CertificateFactory, RenderJobFactory
from learners.tests.factories import LearnerFactory
from providers.models import Provider
from providers.tests.factories import ProviderFactory
from qualifications.tests.factories import (
    GradingSchemeFactory,
    ProviderApprovalFactory,
    QualificationFactory,
    QualificationUnitFactory,
    UnitFactory,
)
from registrations.models import ImportJob
from registrations.tests.factories import CourseRunFactory, RegistrationFactory
from results.tests.factories import (
    ConsignmentFactory,
    LateCertificatesFactory,
    ResultsImportFactory,
)

pytestmark = pytest.mark.django_db

ObjectMaker = Callable[[Provider], dict[str, object]]


def _user_of(provider: Provider) -> dict[str, object]:
    return {"pk": UserFactory(organisation=provider.organisation).pk}


def _api_token_of(provider: Provider) -> dict[str, object]:
    token, _ = api_token_create(user=UserFactory(organisation=provider.organisation), name="MIS")
    return {"pk": token.pk}


def _learner_of(provider: Provider) -> dict[str, object]:
    return {"pk": LearnerFactory(provider=provider).pk}


def _verify_job(provider: Provider) -> dict[str, object]:
    from lrs_sync.models import VerifyJob

    job = VerifyJob.objects.create(source=VerifyJob.Source.PROVIDER, provider=provider, total=0)
    return {"pk": job.pk}


def _achievement_of(provider: Provider) -> dict[str, object]:
    import datetime

    from lrs_sync.models import Achievement
    from qualifications.tests.factories import UnitFactory

    learner = LearnerFactory(provider=provider)
    unit = UnitFactory()
    achievement = Achievement.objects.create(
        learner=learner,
        provider=provider,
        uln=learner.uln,
        aim_kind="unit",
        aim_reference=unit.reference,
        unit=unit,
        award_date=datetime.date(2026, 3, 2),
        ukprn=provider.ukprn,
    )
    return {"pk": achievement.pk}


def _achievement_batch(provider: Provider) -> dict[str, object]:
    from lrs_sync.models import AchievementBatch

    batch = AchievementBatch.objects.create(
        submission_type="Final", email_address="lrs@example.com", payload=b"<x/>"
    )
    return {"pk": batch.pk}


def _learner_pk_of(provider: Provider) -> dict[str, object]:
    return {"learner_pk": LearnerFactory(provider=provider).pk}


def _course_run_of(provider: Provider) -> dict[str, object]:
    return {"pk": CourseRunFactory(provider=provider).pk}


def _registration_of(provider: Provider) -> dict[str, object]:
    run = CourseRunFactory(provider=provider)
    return {"pk": RegistrationFactory(course_run=run, learner__provider=provider).pk}


def _certificate_of(provider: Provider) -> dict[str, object]:
    return {"number": CertificateFactory(provider=provider).number}


def _render_job_of(provider: Provider) -> dict[str, object]:
    return {"pk": RenderJobFactory(provider=provider).pk}


def _import_job_of(provider: Provider) -> dict[str, object]:
    owner = UserFactory(organisation=provider.organisation)
    job = ImportJob.objects.create(
        provider=provider,
        created_by=owner,
        file_name="cohort.csv",
        content=b"",
        status=ImportJob.Status.VALIDATED,
    )
    return {"pk": job.pk}


def _results_import_of(provider: Provider) -> dict[str, object]:
    return {"pk": ResultsImportFactory(course_run=CourseRunFactory(provider=provider)).pk}


def _consignment_of(provider: Provider) -> dict[str, object]:
    return {"pk": ConsignmentFactory(provider=provider).pk}


def _late_certificates_of(provider: Provider) -> dict[str, object]:
    run = CourseRunFactory(provider=provider)
    return {"pk": LateCertificatesFactory(results__course_run=run).pk}


def _consignment_course_run_of(provider: Provider) -> dict[str, object]:
    late = LateCertificatesFactory(results__course_run=CourseRunFactory(provider=provider))
    return {"pk": late.consignment_id, "course_run_pk": late.results.course_run_id}


# url name -> how to make an object of that kind that belongs to `provider`.
OBJECT_URLS: dict[str, ObjectMaker] = {
    "learners:detail": _learner_of,
    "learners:edit": _learner_of,
    "registrations:edit": _registration_of,
    "api-learner-detail": _learner_of,
    "registrations:register_existing": _learner_pk_of,
    "registrations:course_run_detail": _course_run_of,
    "api-course-run-detail": _course_run_of,
    "api-registration-detail": _registration_of,
    "registrations:import_job": _import_job_of,
    "registrations:import_job_progress": _import_job_of,
    "registrations:import_job_errors": _import_job_of,
    "registrations:import_upload": _import_job_of,
    "registrations:import_cancel": _import_job_of,
    "certificates:detail": _certificate_of,
    "certificates:pdf": _certificate_of,
    "certificates:job_detail": _render_job_of,
    "certificates:job_progress": _render_job_of,
    "certificates:job_zip": _render_job_of,
    "accounts:user_detail": _user_of,
    "accounts:user_edit": _user_of,
    "accounts:user_suspend": _user_of,
    "accounts:user_reinstate": _user_of,
    "accounts:user_delete": _user_of,
    "accounts:user_welcome_resend": _user_of,
    "accounts:user_second_factor_reset": _user_of,
    "accounts:api_token_revoke": _api_token_of,
    "results:course_run": _course_run_of,
    "results:submit": _course_run_of,
    "results:import_start": _course_run_of,
    "results:import_sample": _course_run_of,
    "results:receipt": _course_run_of,
    "results:late_receipt": _late_certificates_of,
    "results:import_detail": _results_import_of,
    "results:import_errors": _results_import_of,
}

# URLs that take an identifier but are not a provider's records, and why.
NOT_PROVIDER_SCOPED = {
    "qualifications:detail": "the AO's catalogue; AO_ONLY_URLS checks providers cannot reach it",
    "qualifications:grading_scheme_edit": "the AO's catalogue",
    "providers:detail": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "providers:edit": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "providers:approval_withdraw": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "qualifications:edit": "the AO's catalogue",
    "qualifications:unit_edit": "the AO's catalogue",
    "qualifications:unit_remove": "the AO's catalogue",
    "qualifications:approval_withdraw": "the AO's catalogue",
    "registrations:void": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "accounts:password_reset_confirm": "a signed single-use link, not a record",
    "accounts:welcome": "a signed single-use link, not a record",
    "accounts:email_confirm": "a signed link, not a record",
    "certificates:check_by_token": "the public check by QR token (R-CRT-2), open to anyone",
    "certificates:replace": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "certificates:revoke": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "certificates:grade_correct": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "certificates:job_print": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "certificates:job_retry": "AO staff only; AO_ONLY_URLS checks providers cannot reach it",
    "results:review": "AO verifiers only; AO_ONLY_URLS checks providers cannot reach it",
    "results:certify": "AO certification only; AO_ONLY_URLS checks providers cannot reach it",
    "results:certificate_summary_pdf": "AO certification only; checked in AO_ONLY_URLS",
    "results:consignment": "AO dispatch only; AO_ONLY_URLS checks providers cannot reach it",
    "results:certification_report_pdf": "AO dispatch only; checked in AO_ONLY_URLS",
    "results:consignment_certificate_summary_pdf": "AO dispatch only; checked in AO_ONLY_URLS",
    "lrs_sync:learner_verify": "AO users only; AO_ONLY_URLS checks providers cannot reach it",
    "lrs_sync:learner_master_uln": "AO users only; AO_ONLY_URLS checks providers cannot reach it",
    "lrs_sync:verify_job": "AO batch users only; checked in AO_ONLY_URLS",
    "lrs_sync:verify_job_progress": "AO batch users only; checked in AO_ONLY_URLS",
    "lrs_sync:verify_job_results_csv": "AO batch users only; checked in AO_ONLY_URLS",
    "lrs_sync:verify_job_retry": "AO batch users only; checked in AO_ONLY_URLS",
    "lrs_sync:achievement": "AO QCF users only; checked in AO_ONLY_URLS",
    "lrs_sync:achievement_batch": "AO QCF record-set users only; checked in AO_ONLY_URLS",
    "lrs_sync:achievement_batch_status": "AO QCF record-set users only; in AO_ONLY_URLS",
    "lrs_sync:achievement_batch_resubmit": "AO QCF record-set users only; in AO_ONLY_URLS",
    "lrs_sync:achievement_batch_download": "AO QCF record-set users only; in AO_ONLY_URLS",
    "lrs_sync:achievement_batch_resolve": "AO QCF record-set users only; in AO_ONLY_URLS",
    "lrs_challenges:detail": "AO EDC resolvers only; checked in AO_ONLY_URLS",
    "lrs_challenges:process": "AO EDC resolvers only; checked in AO_ONLY_URLS",
}


def _challenge_about(provider: Provider) -> dict[str, object]:
    import datetime

    from django.utils import timezone

    from lrs_sync.models import EventDataChallenge

    learner = LearnerFactory(provider=provider)
    challenge = EventDataChallenge.objects.create(
        reference=f"EDC-{learner.pk}",
        lrs_type="Disputed",
        kind="not_this_learner",
        raised_at=timezone.now(),
        uln=learner.uln,
        event_uln=learner.uln,
        event_aim_reference="R/615/1234",
        event_award_date=datetime.date(2026, 3, 2),
    )
    return {"pk": challenge.pk}


def _qualification(provider: Provider) -> dict[str, object]:
    return {"pk": QualificationFactory().pk}


def _qualification_unit(provider: Provider) -> dict[str, object]:
    link = QualificationUnitFactory()
    return {"pk": link.qualification_id, "unit_pk": link.unit_id}


def _unit(provider: Provider) -> dict[str, object]:
    return {"pk": UnitFactory().pk}


def _approval(provider: Provider) -> dict[str, object]:
    return {"pk": ProviderApprovalFactory(provider=provider).pk}


# AO-only pages: even a provider's super user with every provider role is refused.
AO_ONLY_URLS: dict[str, ObjectMaker] = {
    "providers:detail": lambda provider: {"pk": provider.pk},
    "providers:edit": lambda provider: {"pk": provider.pk},
    "providers:approval_withdraw": lambda provider: {
        "pk": provider.pk,
        "approval_pk": ProviderApprovalFactory(provider=provider).pk,
    },
    "qualifications:grading_scheme_edit": lambda provider: {"pk": GradingSchemeFactory().pk},
    "qualifications:detail": _qualification,
    "qualifications:edit": _qualification,
    "qualifications:unit_edit": _unit,
    "qualifications:unit_remove": _qualification_unit,
    "qualifications:approval_withdraw": _approval,
    "registrations:void": _registration_of,
    "certificates:replace": _certificate_of,
    "certificates:revoke": _certificate_of,
    "certificates:grade_correct": _certificate_of,
    "certificates:job_print": _render_job_of,
    "certificates:job_retry": _render_job_of,
    "results:review": _course_run_of,
    "results:certify": _course_run_of,
    "results:certificate_summary_pdf": _course_run_of,
    "results:consignment": _consignment_of,
    "results:certification_report_pdf": _consignment_of,
    "results:consignment_certificate_summary_pdf": _consignment_course_run_of,
    "lrs_sync:learner_verify": _learner_of,
    "lrs_sync:learner_master_uln": _learner_of,
    "lrs_sync:verify_job": _verify_job,
    "lrs_sync:verify_job_progress": _verify_job,
    "lrs_sync:verify_job_results_csv": _verify_job,
    "lrs_sync:verify_job_retry": _verify_job,
    "lrs_sync:achievement": _achievement_of,
    "lrs_sync:achievement_batch": _achievement_batch,
    "lrs_sync:achievement_batch_status": _achievement_batch,
    "lrs_sync:achievement_batch_resubmit": _achievement_batch,
    "lrs_sync:achievement_batch_download": _achievement_batch,
    "lrs_sync:achievement_batch_resolve": _achievement_batch,
    "lrs_challenges:detail": _challenge_about,
    "lrs_challenges:process": _challenge_about,
}


def _walk(patterns: list, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _object_url_names() -> set[str]:
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or not pattern.pattern.converters:
            continue
        names.add(name)
    return names


def test_every_object_url_is_checked():
    unchecked = _object_url_names() - set(OBJECT_URLS) - set(NOT_PROVIDER_SCOPED)
    assert not unchecked, f"add these to OBJECT_URLS or NOT_PROVIDER_SCOPED: {sorted(unchecked)}"


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_r_acc_6_a_user_of_another_provider_gets_404(client, url_name):
    owner = ProviderFactory()
    outsider = UserFactory(
        organisation=ProviderFactory().organisation, roles=sorted(PROVIDER_ROLES)
    )
    url = reverse(url_name, kwargs=OBJECT_URLS[url_name](owner))
    sign_in(client, outsider)

    assert client.get(url).status_code in {404, 405}
    if url_name.startswith("api-"):
        assert client.patch(url, {}, content_type="application/json").status_code == 404
    else:
        assert client.post(url).status_code == 404


@pytest.mark.parametrize("url_name", sorted(AO_ONLY_URLS))
def test_r_acc_5_ao_only_pages_refuse_every_provider_user(client, url_name):
    provider = ProviderFactory()
    insider = UserFactory(organisation=provider.organisation, roles=sorted(PROVIDER_ROLES))
    url = reverse(url_name, kwargs=AO_ONLY_URLS[url_name](provider))
    sign_in(client, insider)

    assert client.get(url).status_code in {403, 404, 405}
    assert client.post(url).status_code in {403, 404}


API_PAGES_A_PROVIDER_OPENS_IN_A_BROWSER = (
    "api-learner-list",
    "api-course-run-list",
    "api-registration-list",
    "api-registration-detail",
    "api-learner-detail",
    "api-course-run-detail",
)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url_name", API_PAGES_A_PROVIDER_OPENS_IN_A_BROWSER)
def test_r_acc_6_the_api_as_html_never_shows_another_centres_learners(
    client, settings, url_name, debug
):
    """The browsable API's forms list related records: never another centre's (R-ACC-6)."""
    settings.DEBUG = debug
    own_run = CourseRunFactory()
    own = RegistrationFactory(course_run=own_run, learner__provider=own_run.provider)
    other_run = CourseRunFactory(programme_name="Otherprovider Plumbing")
    stranger = LearnerFactory(
        provider=other_run.provider, given_name="Secretia", family_name="Otherprovider"
    )
    RegistrationFactory(course_run=other_run, learner=stranger)
    insider = UserFactory(organisation=own_run.provider.organisation, roles=sorted(PROVIDER_ROLES))
    pk = {
        "api-registration-detail": own.pk,
        "api-learner-detail": own.learner_id,
        "api-course-run-detail": own_run.pk,
    }.get(url_name)
    url = reverse(url_name, kwargs={"pk": pk} if pk else {})
    sign_in(client, insider)

    response = client.get(url, HTTP_ACCEPT="text/html")

    body = response.content.decode()
    assert response.status_code in {200, 406}
    assert "Secretia" not in body
    assert "Otherprovider" not in body
    assert stranger.uln not in body
