"""Demo data for the sandpit's achievement side: its register of the AO's aims, from the
portal's catalogue as the LRS would have it from Ofqual (owned or shared, operational dates)."""

from __future__ import annotations

from .achievement_models import RegisteredAim


def seed_aims() -> list[str]:
    from qualifications.models import LrsType, Qualification, Unit

    added = []
    aims = [
        *Qualification.objects.exclude(lrs_type=LrsType.NOT_UPLOADED),
        *Unit.objects.all(),
    ]
    for aim in aims:
        reference = aim.number if isinstance(aim, Qualification) else aim.reference
        _, created = RegisteredAim.objects.get_or_create(
            reference=reference,
            defaults={
                "title": aim.title,
                "ownership": aim.ownership,
                "operational_start_date": aim.operational_start_date,
                "operational_end_date": aim.operational_end_date,
            },
        )
        if created:
            added.append(f"sandpit aim {reference}")
    return added
