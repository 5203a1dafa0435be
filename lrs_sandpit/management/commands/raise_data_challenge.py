"""Raise an event data challenge at the sandpit, as a provider or learner would at the LRS."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs_sync.challenge_envelopes import ChallengeToCreate

from ...challenge_models import ChallengeType
from ...challenges import RAISER_TYPES, ChallengeRefused, data_challenge_raise


def _date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2026-03-02.") from None


class Command(BaseCommand):
    help = (
        "Raise an event data challenge against an achievement an AO uploaded. Types: "
        + ", ".join(ChallengeType.values)
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("learning_event", type=int, help="The achievement's learning event id")
        parser.add_argument("challenge_type", choices=ChallengeType.values)
        parser.add_argument(
            "--second-event", type=int, default=0, help="The other copy (Duplicate)"
        )
        parser.add_argument("--raised-by", choices=RAISER_TYPES, default="Provider")
        parser.add_argument("--contact-name", default="Sandpit provider")
        parser.add_argument("--telephone", default="")
        parser.add_argument("--email", default="provider@sandpit.example")
        parser.add_argument("--grade", default="", help="The right grade (WrongGrade)")
        parser.add_argument(
            "--start-date", default="", help="The right start date (WrongStartDate)"
        )
        parser.add_argument("--end-date", default="", help="The right end date (WrongEndDate)")
        parser.add_argument("--information", default="", help="What is wrong, in words")

    def handle(self, *args: object, **options: object) -> None:
        challenge = ChallengeToCreate(
            challenge_type=str(options["challenge_type"]),
            user_type=str(options["raised_by"]),
            uln="",
            given_name="",
            family_name="",
            date_of_birth=None,
            gender="",
            contact_name=str(options["contact_name"]),
            telephone=str(options["telephone"]),
            email_address=str(options["email"]),
            additional_information=str(options["information"])
            or f"Raised from the command line: {options['challenge_type']}.",
            learning_event_1_id=int(options["learning_event"]),  # type: ignore[call-overload]
            learning_event_2_id=int(options["second_event"]),  # type: ignore[call-overload]
            supplied_grade=str(options["grade"]),
            supplied_start_date=_date(str(options["start_date"])),
            supplied_end_date=_date(str(options["end_date"])),
        )
        try:
            raised = data_challenge_raise(challenge=challenge)
        except ChallengeRefused as refused:
            raise CommandError(f"{refused.code}: {refused.text}") from None
        self.stdout.write(f"Raised {raised.reference} ({raised.get_challenge_type_display()}).")
