"""Report, and with --remove delete, certificate PDF files that no committed certificate names."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from certificates.pdf_files import pdf_orphans_find, pdf_orphans_remove


class Command(BaseCommand):
    help = (
        "List certificate PDF files that no certificate names (left by a render cut short); "
        "--remove deletes them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--remove", action="store_true", help="Delete the files listed.")
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=10,
            help="Only files at least this old (a render in progress owns newer ones). Default 10.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = datetime.timedelta(minutes=max(0, options["older_than_minutes"]))
        if options["remove"]:
            orphans = pdf_orphans_remove(older_than=older_than)
            verb = "Removed"
        else:
            orphans = pdf_orphans_find(older_than=older_than)
            verb = "Found"
        for orphan in orphans:
            self.stdout.write(
                f"{orphan.name}\t{orphan.size} bytes\t{orphan.modified_at:%Y-%m-%d %H:%M}"
            )
        self.stdout.write(f"{verb} {len(orphans)} orphan file(s).")
