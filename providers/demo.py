"""Demo centres' street addresses and contacts, so each provider's page reads as a real one.

Idempotent: a field already filled in is left as it is."""

from __future__ import annotations

from accounts.demo import DemoReport

from .models import Provider
from .services import provider_update

# Centre number -> address line 1, contact name, email, telephone.
DEMO_DETAILS = {
    "10042": ("Park Lane Campus", "Maya Collins", "exams@riverside.example", "0113 496 0000"),
    "20117": ("Unit 4, Harbourside Business Park", "Owen Hughes", "admin@hillcrest.example", ""),
    "30256": ("Meadow Road", "Nia James", "exams@meadowbank.example", "01603 496 000"),
}


def seed(report: DemoReport) -> None:
    for centre_number, (line_1, name, email, phone) in DEMO_DETAILS.items():
        provider = Provider.objects.filter(centre_number=centre_number).first()
        if provider is None or provider.address_line_1 or provider.contact_email:
            continue
        provider_update(
            provider=provider,
            acting_user=None,
            address_line_1=line_1,
            contact_name=name,
            contact_email=email,
            contact_phone=phone,
        )
        report.created.append(f"address and contact of {provider.name}")
