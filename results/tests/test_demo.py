"""Demo results: every stage, one overdue for receipt confirmation, and safe to run again."""

from django.core.management import call_command

from accounts.models import User
from results.models import CourseRunResults, Stage
from results.selectors import receipt_pending


def test_demo_has_every_stage_and_one_overdue_receipt_and_is_idempotent(db):
    call_command("seed_demo")
    first = dict(CourseRunResults.objects.values_list("course_run__programme_name", "stage"))
    call_command("seed_demo")

    assert (
        dict(CourseRunResults.objects.values_list("course_run__programme_name", "stage")) == first
    )
    assert set(first.values()) == {s.value for s in Stage}
    grace = User.objects.get(username="grace.lin")
    overdue = [r for r in receipt_pending(user=grace) if r.is_overdue]
    assert [r.results.course_run.programme_name for r in overdue] == [
        "Care results: receipt overdue"
    ]


def test_r_crt_4_demo_has_late_certificates_awaiting_receipt(db):
    call_command("seed_demo")
    grace = User.objects.get(username="grace.lin")

    late = [r for r in receipt_pending(user=grace) if r.late is not None]

    assert [r.results.course_run.programme_name for r in late] == [
        "Care results: held back by a query"
    ]
    assert late[0].results.stage == Stage.RECEIVED and not late[0].is_overdue
    assert late[0].description.count("late certificates") == 1
    assert late[0].description.endswith(f"late certificates ({late[0].late_learners})")
    assert late[0].late_learners
