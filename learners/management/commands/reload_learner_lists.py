"""Re-reads the prison-postcode and prohibited-text lists (R-LRN-4, R-LRN-5) in every process."""

from django.core.management.base import BaseCommand, CommandError

from learners.reference_data import data_directory, reload_everywhere


class Command(BaseCommand):
    help = (
        "Check and reload the prison-postcode and prohibited-text lists from learners' data files."
    )

    def handle(self, *args: object, **options: object) -> None:
        try:
            lists = reload_everywhere()
        except (OSError, ValueError) as error:
            raise CommandError(f"The lists were not reloaded: {error}") from error
        self.stdout.write(
            f"Reloaded from {data_directory()}: {len(lists.prison_postcodes)} prison postcodes, "
            f"{len(lists.prohibited_text)} prohibited terms. Running processes pick them up within "
            "30 seconds."
        )
