"""Seeds the LRS sandpit's account and register to match the portal's demo learners."""

from django.core.management.base import BaseCommand

from lrs_sandpit.demo import seed_register


class Command(BaseCommand):
    help = "Seed the LRS sandpit register to match the demo learners (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        added = seed_register()
        self.stdout.write(f"LRS sandpit register: {len(added)} learners added.")
