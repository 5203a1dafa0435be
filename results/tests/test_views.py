"""Results pages: the grid without JavaScript, submission, verifier and officer pages, receipt,
the administration page and the Certificate Receipt Pending report."""

import datetime

import time_machine
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from registrations.tests.factories import CourseRunFactory
from results import services
from results.models import Consignment, LateCertificates, Stage
from results.validators import grid_field


def _grid_post(season, **overrides):
    """The grid as a browser without JavaScript would send it."""
    data = {"action": "save"}
    for index, reg in enumerate(season.registrations):
        for unit in season.units:
            data[grid_field("grade", reg.pk, unit.pk)] = ""
        for name, value in (
            ("assessor_name", "Ann Assessor"),
            ("internal_verifier_name", "Ivan Verifier"),
            ("decision_reason", "Meets the criteria"),
        ):
            data[grid_field(name, reg.pk)] = value
        if index == 2:
            data[grid_field("not_claiming", reg.pk)] = "on"
    data.update(overrides)
    return data


def test_the_grid_saves_a_draft_from_plain_selects(client, season):
    sign_in(client, season.provider_user)
    first = season.registrations[0]
    data = _grid_post(
        season,
        **{
            grid_field("grade", first.pk, season.units[0].pk): str(season.grade("M").pk),
            grid_field("grade", first.pk, season.units[1].pk): str(season.grade("P").pk),
            grid_field("grade", first.pk, season.units[2].pk): str(season.grade("D").pk),
        },
    )

    response = client.post(
        reverse("results:course_run", args=[season.course_run.pk]), data, follow=True
    )

    assert "Draft saved" in response.content.decode()
    assert "Qualification achieved: Merit" in response.content.decode()  # M, P, D average 2
    assert season.result(0).unit_results.count() == 3


def test_a_wrong_grade_keeps_everything_typed_and_links_the_message(client, season):
    sign_in(client, season.provider_user)
    first = season.registrations[0]
    bad = grid_field("grade", first.pk, season.units[0].pk)
    data = _grid_post(
        season, **{bad: "999999", grid_field("assessor_name", first.pk): "Typed Name"}
    )

    response = client.post(reverse("results:course_run", args=[season.course_run.pk]), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert f'href="#{bad}"' in page
    assert "choose a grade from the unit&#x27;s grading scheme" in page
    assert 'value="Typed Name"' in page


def test_submission_summary_lists_the_claims_then_submits(client, season):
    season.enter_standard()
    sign_in(client, season.provider_user)
    url = reverse("results:submit", args=[season.course_run.pk])

    summary = client.get(url).content.decode()
    response = client.post(url, follow=True)

    assert "Qualification certificates: 1" in summary
    assert "Unit certificates only: 1" in summary
    assert "Not claiming this time: 1" in summary
    assert "submitted to the verifier" in response.content.decode()
    assert season.state().stage == Stage.SUBMITTED


def test_submitted_results_show_read_only_to_the_provider(client, season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    sign_in(client, season.provider_user)

    page = client.get(reverse("results:course_run", args=[season.course_run.pk])).content.decode()

    assert "<select" not in page
    assert "read-only" in page


def test_verifier_queries_from_the_review_page(client, season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    sign_in(client, season.verifier)
    url = reverse("results:review", args=[season.course_run.pk])

    empty = client.post(url, {"action": "query", "note": ""})
    client.post(url, {"action": "query", "note": "Check unit 2", "learners": [season.result(1).pk]})

    assert "Enter a note saying what needs to change." in empty.content.decode()
    assert season.state().stage == Stage.QUERIED


def test_the_provider_sees_the_query_on_the_administration_page(client, season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_query(
        course_run=season.course_run,
        note="Witness statement missing",
        learner_result_ids=[season.result(1).pk],
        acting_user=season.verifier,
    )
    sign_in(client, season.provider_user)

    page = client.get(reverse("results:administration")).content.decode()

    assert "Queried by the verifier" in page and "Witness statement missing" in page
    assert "<svg" in page and "<caption>Course runs by stage</caption>" in page


def test_officer_approves_on_the_certification_page(client, season):
    season.to_confirmed()
    sign_in(client, season.officer)

    client.post(reverse("results:certify", args=[season.course_run.pk]), {"action": "approve"})

    assert season.state().stage == Stage.CERTIFICATED


def test_receipt_form_names_the_field_and_the_problem(client, season):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        consignment = services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[season.course_run],
            acting_user=season.officer,
        )
        services.consignment_dispatch(
            consignment=consignment,
            carrier=Consignment.Carrier.ROYAL_MAIL,
            tracking_reference="RM1",
            dispatched_on=datetime.date(2026, 3, 3),
            acting_user=season.officer,
        )
    sign_in(client, season.provider_user)
    url = reverse("results:receipt", args=[season.course_run.pk])

    with time_machine.travel(datetime.date(2026, 3, 5), tick=False):
        future = client.post(url, {"received_date": "06/03/2026", "note": "x"})
        early = client.post(url, {"received_date": "02/03/2026", "note": "x"})
        done = client.post(url, {"received_date": "04/03/2026", "note": "All there"})

    assert "Date received cannot be in the future" in future.content.decode()
    assert "before the certificates were dispatched on 03/03/2026" in early.content.decode()
    assert done.status_code == 302
    assert season.state().stage == Stage.RECEIVED


def test_r_crt_5_pending_report_says_nothing_pending_when_empty(client, season):
    sign_in(client, season.provider_user)

    page = client.get(reverse("results:receipt_pending")).content.decode()

    assert "Nothing pending" in page


def test_r_crt_5_pending_report_exports_csv_for_ao_staff(client, season):
    with time_machine.travel(datetime.date(2026, 3, 3), tick=False):
        season.to_certificated(award_date=datetime.date(2026, 3, 2))
        consignment = services.consignment_create(
            provider=season.course_run.provider,
            course_runs=[season.course_run],
            acting_user=season.officer,
        )
        services.consignment_dispatch(
            consignment=consignment,
            carrier=Consignment.Carrier.ROYAL_MAIL,
            tracking_reference="RM777",
            dispatched_on=datetime.date(2026, 3, 3),
            acting_user=season.officer,
        )
    sign_in(client, season.officer)

    with time_machine.travel(datetime.date(2026, 3, 19), tick=False):
        response = client.get(reverse("results:receipt_pending"), {"format": "csv", "overdue": "1"})
        content = b"".join(response.streaming_content).decode()

    assert "Care 2026" in content and "RM777" in content and "Overdue by 2 working days" in content


def test_pending_report_csv_needs_data_export(client, season):
    user = UserFactory(
        organisation=season.course_run.provider.organisation, roles=[Role.RESULTS_ENTRY]
    )
    sign_in(client, user)

    assert client.get(reverse("results:receipt_pending"), {"format": "csv"}).status_code == 403


def test_r_acc_5_providers_cannot_reach_verification_or_dispatch(client, season):
    sign_in(client, season.provider_user)

    assert client.get(reverse("results:verification_queue")).status_code == 403
    assert client.get(reverse("results:dispatch")).status_code == 403


def test_the_provider_sees_the_query_on_the_dashboard(client, season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_query(
        course_run=season.course_run,
        note="Witness statement missing",
        learner_result_ids=[season.result(1).pk],
        acting_user=season.verifier,
    )
    sign_in(client, season.provider_user)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Results queried by the verifier" in page and "Witness statement missing" in page


# --- late certificates (R-CRT-4, R-CRT-5) ------------------------------------------------------


def test_r_crt_4_the_dispatch_page_offers_late_certificates_and_makes_a_consignment(client, season):
    season.dispatched_with_amira_held_back()
    season.release_amira()
    sign_in(client, season.officer)
    url = reverse("results:dispatch")

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {"provider": season.course_run.provider.pk, "late_course_runs": [season.course_run.pk]},
    )

    assert "Late certificates to include" in page and "Amira Learner0 (issued 09/03/2026)" in page
    late = LateCertificates.objects.get()
    assert response.url == reverse("results:consignment", args=[late.consignment_id])
    detail = client.get(response.url).content.decode()
    summary_url = reverse(
        "results:consignment_certificate_summary_pdf",
        args=[late.consignment_id, season.course_run.pk],
    )
    assert "Late certificates" in detail and summary_url in detail
    assert client.get(summary_url)["Content-Type"] == "application/pdf"


def test_a_course_run_outside_the_consignment_has_no_summary_in_it(client, season):
    main = season.dispatched_with_amira_held_back()
    other = CourseRunFactory(provider=season.course_run.provider)
    sign_in(client, season.officer)

    response = client.get(
        reverse("results:consignment_certificate_summary_pdf", args=[main.pk, other.pk])
    )

    assert response.status_code == 404


def test_r_crt_5_the_provider_confirms_late_receipt_on_its_own_page(client, season):
    season.dispatched_with_amira_held_back()
    season.release_amira()
    season.dispatch(
        day=datetime.date(2026, 3, 10),
        tracking="RM200000002GB",
        late_course_runs=(season.course_run,),
    )
    late = LateCertificates.objects.get()
    url = reverse("results:late_receipt", args=[late.pk])
    sign_in(client, season.provider_user)

    with time_machine.travel(datetime.date(2026, 3, 12), tick=False):
        results_page = client.get(reverse("results:course_run", args=[season.course_run.pk]))
        pending = client.get(reverse("results:receipt_pending")).content.decode()
        early = client.post(url, {"received_date": "05/03/2026", "note": "Box damaged"})
        done = client.post(url, {"received_date": "11/03/2026", "note": "Box damaged"})
        history = client.get(reverse("results:course_run", args=[season.course_run.pk]))

    assert url in results_page.content.decode() and "RM200000002GB" in pending
    assert "late certificates (Amira Learner0)" in pending and url in pending
    assert early.status_code == 400
    body = early.content.decode()
    assert "before the certificates were dispatched on 10/03/2026" in body
    assert "Box damaged</textarea>" in body  # nothing typed is lost
    assert done.status_code == 302
    assert "CRF Received on 11/03/2026 for the late certificates" in history.content.decode()
