"""Demo data for the sandpit's achievement side: its register of the AO's aims, from the
portal's catalogue as the LRS would have it from Ofqual (owned or shared, operational dates)."""

from __future__ import annotations

from .achievement_models import RegisteredAim


def seed_aims() -> list[str]:
    from qualifications.models import LrsType, Qualification, Unit

    added = []
    aims: list[tuple[str, Qualification | Unit]] = [
        *((q.number, q) for q in Qualification.objects.exclude(lrs_type=LrsType.NOT_UPLOADED)),
        *((u.reference, u) for u in Unit.objects.all()),
    ]
    for reference, aim in aims:
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
