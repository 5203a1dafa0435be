"""Loads idempotent demo data and writes what it holds to var/demo.json."""

from django.core.management.base import BaseCommand

from accounts.demo import DemoReport, seed_accounts, write_demo_file


class Command(BaseCommand):
    help = "Create the demo organisations, providers and accounts (safe to run again)."

    def handle(self, *args: object, **options: object) -> None:
        report = DemoReport()
        seed_accounts(report)
        path = write_demo_file(report)
        if report.created:
            self.stdout.write(f"Demo data created: {len(report.created)} new records.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(f"Demo logins written to {path}")
