"""Prints the portal's address and the demo logins from var/demo.json."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_FILE


class Command(BaseCommand):
    help = "Print the portal URL and the demo accounts (run seed_demo first)."

    def handle(self, *args: object, **options: object) -> None:
        if not DEMO_FILE.exists():
            raise CommandError(f"{DEMO_FILE} is missing: run `python manage.py seed_demo` first.")
        demo = json.loads(DEMO_FILE.read_text())
        self.stdout.write("")
        self.stdout.write(f"  The portal: {demo['portal_url']}/")
        self.stdout.write(f"  Health:     {demo['portal_url']}/healthz")
        self.stdout.write("  Demo logins (demo data only):")
        for account in demo["accounts"]:
            line = (
                f"    {account['username']:<14} {account['password']:<18} {account['description']}"
            )
            if account.get("totp_secret"):
                line += f"  [TOTP secret {account['totp_secret']}]"
            self.stdout.write(line)
        certificates = demo.get("certificates") or []
        if certificates:
            self.stdout.write(f"  Check a certificate at {demo['portal_url']}/verify/, e.g.:")
            shown: set[str] = set()
            for certificate in certificates:
                if certificate["status"] in shown:
                    continue
                shown.add(certificate["status"])
                self.stdout.write(
                    f"    {certificate['number']}  {certificate['learner_name']:<28} "
                    f"({certificate['status']})  {certificate['check_url']}"
                )
        sample = demo.get("registration_import_sample")
        if sample:
            self.stdout.write(f"  A registrations file to import as lucy.evans: {sample['file']}")
        learners_sample = demo.get("learner_import_sample")
        if learners_sample:
            self.stdout.write(
                f"  A learners file to import as lucy.evans: {learners_sample['file']}"
            )
        self.stdout.write("")
