"""Loads idempotent demo data and writes what it holds to var/demo.json."""

from collections.abc import Callable
from importlib import import_module

from django.core.management.base import BaseCommand

from accounts.demo import DemoReport, write_demo_file

# Each area seeds its own demo data, in this order; a seeder leaves existing rows as they are.
DEMO_SEEDERS = (
    "accounts.demo.seed",
    "providers.demo.seed",
    "registrations.demo.seed",
    "qualifications.demo.seed",
    "registrations.csv_demo.seed",
    "certificates.demo.seed",
    "results.demo.seed",
    "lrs_sandpit.demo.seed",
    "lrs_sync.challenge_demo.seed",
)


def _seeder(dotted_path: str) -> Callable[[DemoReport], None]:
    module_path, name = dotted_path.rsplit(".", 1)
    seeder: Callable[[DemoReport], None] = getattr(import_module(module_path), name)
    return seeder


class Command(BaseCommand):
    help = "Create the demo organisations, providers, accounts and records (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        report = DemoReport()
        for dotted_path in DEMO_SEEDERS:
            _seeder(dotted_path)(report)
        path = write_demo_file(report)
        if report.created:
            self.stdout.write(f"Demo data created: {len(report.created)} new records.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins written to {path}")
