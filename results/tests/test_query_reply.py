"""Talking to the verifier (issue 14 item 6, R-RES-1): on resubmitting queried results the centre
replies to the query, and the verifier sees the reply and what changed since, learner by
learner."""

import pytest
from django.urls import reverse

from accounts.tests.helpers import sign_in
from audit.descriptions import events_described
from audit.models import AuditEvent
from results import services
from results.models import Stage
from results.query_changes import changes_since_query
from results.services import ResultsRejected

pytestmark = pytest.mark.django_db


def _queried(season):
    season.enter_standard()
    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    return services.course_run_query(
        course_run=season.course_run,
        note="Unit 2 evidence is missing a witness statement.",
        learner_result_ids=[season.result(1).pk],
        acting_user=season.verifier,
    )


def test_r_res_1_the_centre_replies_to_the_query_when_it_resubmits_and_it_is_audited(season):
    query = _queried(season)

    services.course_run_submit(
        course_run=season.course_run,
        acting_user=season.provider_user,
        reply="  Witness statement added; unit 2 is now a Pass.  ",
    )

    query.refresh_from_db()
    assert season.state().stage == Stage.SUBMITTED
    assert query.reply == "Witness statement added; unit 2 is now a Pass."
    assert query.replied_by == season.provider_user
    event = AuditEvent.objects.get(action="results.query_reply")
    [described] = events_described([event])
    assert "replied to the verifier's query on" in described.description
    assert "Care 2026" in described.description


def test_r_res_1_a_reply_without_a_query_or_too_long_is_refused_at_the_field(season):
    season.enter_standard()
    with pytest.raises(ResultsRejected) as raised:
        services.course_run_submit(
            course_run=season.course_run, acting_user=season.provider_user, reply="Hello"
        )
    assert [(e.field, e.message) for e in raised.value.errors] == [
        ("reply", "There is no query to reply to.")
    ]
    assert season.state().stage == Stage.DRAFT  # nothing changed

    services.course_run_submit(course_run=season.course_run, acting_user=season.provider_user)
    services.course_run_query(
        course_run=season.course_run,
        note="Check unit 2.",
        learner_result_ids=[season.result(1).pk],
        acting_user=season.verifier,
    )
    with pytest.raises(ResultsRejected) as raised:
        services.course_run_submit(
            course_run=season.course_run, acting_user=season.provider_user, reply="x" * 2001
        )
    assert [e.field for e in raised.value.errors] == ["reply"]
    assert season.state().stage == Stage.QUERIED


def test_r_res_1_the_verifier_sees_what_changed_since_the_query_learner_by_learner(season):
    query = _queried(season)
    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(1, {0: "P", 1: "P", 3: "M"}, assessor_name="Bea Assessor")],
        acting_user=season.provider_user,
    )
    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(1, {0: "P", 1: "P", 3: "D"}, assessor_name="Bea Assessor")],
        acting_user=season.provider_user,
    )

    [kwame] = changes_since_query(query=query)

    assert kwame.learner_name == "Kwame Learner1"
    assert kwame.named_in_query
    units = season.units
    assert [(c.what, c.before, c.after) for c in kwame.changes] == [
        (f"Unit {units[1].reference}", "Fail", "Pass"),
        (f"Unit {units[3].reference}", "(none)", "Distinction"),
        ("Assessor", "Ann Assessor", "Bea Assessor"),
    ]


def test_r_res_1_the_review_page_shows_the_reply_and_the_changes(season, client):
    _queried(season)
    services.results_draft_save(
        course_run=season.course_run,
        entries=[season.entry(1, {0: "P", 1: "P"})],
        acting_user=season.provider_user,
    )
    services.course_run_submit(
        course_run=season.course_run,
        acting_user=season.provider_user,
        reply="Statement found; unit 2 re-marked.",
    )
    sign_in(client, season.verifier)

    page = client.get(reverse("results:review", args=[season.course_run.pk])).content.decode()

    assert "Statement found; unit 2 re-marked." in page
    assert "What changed since the query" in page
    assert "Kwame Learner1" in page and "named in the query" in page
