"""Demo event data challenges: three open challenges of different types, raised at the sandpit
against achievements it holds and fetched into the portal; the EDC resolver demo account
(maya.singh, in accounts.demo) is the nominated resolver.

Only where the sandpit is on. Demo shortcut (decision 0141): the achievements challenged are put on
the sandpit's PLRs and marked accepted here, as a processed batch would leave them, because no
server is running while `seed_demo` runs. Idempotent: nothing happens once challenges exist.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from awards_portal.working_days import working_day_add

from .achievement_models import Achievement, AchievementState, AimKind
from .achievements import achievement_create
from .challenge_client import ChallengeClient
from .challenge_models import ChallengeSettings, EventDataChallenge

RESOLVER = "maya.singh"


def _hold_at_sandpit(*achievements: Achievement) -> list[int]:
    from lrs_sandpit.achievement_models import HeldAchievement

    ids = []
    for achievement in achievements:
        held, _ = HeldAchievement.objects.get_or_create(
            uln=achievement.uln,
            award_date=achievement.award_date,
            aim_reference=achievement.aim_reference,
            defaults={"grade": achievement.grade, "ukprn": achievement.ukprn},
        )
        ids.append(held.pk)
    Achievement.objects.filter(pk__in=[a.pk for a in achievements]).update(
        state=AchievementState.ACCEPTED,
        pending_action=None,
        held_at_lrs=True,
        accepted_at=timezone.now(),
    )
    return ids


def _working_days_before(day: datetime.date, days: int) -> datetime.date:
    start = day - datetime.timedelta(days=days * 2 + 10)
    while working_day_add(start, days) < day:
        start += datetime.timedelta(days=1)
    return start


def _picks() -> tuple[list[Achievement], Achievement] | None:
    """A learner with three unit achievements, and another learner's achievement."""
    by_learner: dict[int, list[Achievement]] = defaultdict(list)
    for achievement in Achievement.objects.filter(aim_kind=AimKind.UNIT, withdrawn=False).order_by(
        "uln", "pk"
    ):
        by_learner[achievement.learner_id].append(achievement)
    first = next((units for units in by_learner.values() if len(units) >= 2), None)
    if first is None:
        return None
    other = next(
        (units[0] for learner, units in by_learner.items() if learner != first[0].learner_id),
        None,
    )
    return (first, other) if other else None


def seed(report: object) -> None:
    if not settings.LRS_SANDPIT_ENABLED or EventDataChallenge.objects.exists():
        return
    from lrs_sandpit.challenge_models import RaisedDataChallenge
    from lrs_sandpit.challenges import data_challenge_raise
    from lrs_sync.challenge_envelopes import ChallengeToCreate

    picks = _picks()
    if picks is None:
        return
    units, other = picks
    graded, copied = units[0], units[1]
    right_grade = "M" if graded.grade == "D" else "D"
    today = timezone.localdate()
    with transaction.atomic():
        # The duplicate: the same unit uploaded again a week earlier, in error.
        duplicate = achievement_create(
            learner=copied.learner,
            aim_reference=copied.aim_reference,
            award_date=copied.award_date - datetime.timedelta(days=7),
            grade=copied.grade,
            ukprn=copied.ukprn,
            language_for_assessment=copied.language_for_assessment,
            submission_type=copied.submission_type,
            acting_user=None,
        )
        graded_id, copied_id, duplicate_id, other_id = _hold_at_sandpit(
            graded, copied, duplicate, other
        )

        def challenge(kind: str, event: int, **extra: object) -> ChallengeToCreate:
            values: dict[str, object] = {
                "challenge_type": kind,
                "user_type": "Provider",
                "uln": "",
                "given_name": "",
                "family_name": "",
                "date_of_birth": None,
                "gender": "",
                "contact_name": "Helen Carter, MIS manager",
                "telephone": "0113 496 0000",
                "email_address": "helen.carter@riverside.example",
                "additional_information": "",
                "learning_event_1_id": event,
                **extra,
            }
            return ChallengeToCreate(**values)  # type: ignore[arg-type]

        raised = [
            data_challenge_raise(
                challenge=challenge(
                    "WrongGrade",
                    graded_id,
                    supplied_grade=right_grade,
                    additional_information=f"Our records say the grade is {right_grade}, "
                    f"not {graded.grade}.",
                )
            ),
            data_challenge_raise(
                challenge=challenge(
                    "Duplicate",
                    copied_id,
                    learning_event_2_id=duplicate_id,
                    additional_information="The unit shows twice on the learner's record.",
                )
            ),
            data_challenge_raise(
                challenge=challenge(
                    "WrongUln",
                    other_id,
                    user_type="Learner",
                    contact_name=f"{other.learner.full_name}",
                    email_address="learner@example.org",
                    additional_information="This is not my qualification; I never studied it.",
                )
            ),
        ]
        # Raised a while ago, so the list shows their age in working days.
        for age, item in zip((12, 6, 2), raised, strict=True):
            raised_on = _working_days_before(today, age)
            RaisedDataChallenge.objects.filter(pk=item.pk).update(
                created_at=timezone.make_aware(
                    datetime.datetime.combine(raised_on, datetime.time(10, 0))
                )
            )
        resolver = User.objects.filter(username=RESOLVER).first()
        if resolver is not None:
            ChallengeSettings.objects.update_or_create(
                organisation_id=resolver.organisation_id, defaults={"resolver": resolver}
            )
    from .challenges import challenges_fetch

    # The sandpit in-process: no server runs while seed_demo does.
    outcome = challenges_fetch(
        acting_user=None,
        client=ChallengeClient(endpoint="wsgi://127.0.0.1/lrs-sandpit/LearnerServiceR9.svc"),
    )
    getattr(report, "created", []).extend(
        f"event data challenge {c.reference}" for c in outcome.new
    )
