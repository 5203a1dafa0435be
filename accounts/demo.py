"""Demo data for newcomers: organisations, providers and accounts, described in var/demo.json."""

from __future__ import annotations

import hashlib
import json
from base64 import b32encode
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from providers.models import Provider
from providers.services import provider_create

from .models import Organisation, User
from .roles import Role
from .services import awarding_organisation_get_or_create, user_create

# Demo only: these passwords are printed by `make run` and must never reach a real deployment.
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105
DEMO_FILE = Path(settings.BASE_DIR) / "var" / "demo.json"


@dataclass(frozen=True)
class DemoProvider:
    name: str
    centre_number: str
    ukprn: str
    town: str
    postcode: str
    e_certificates_enabled: bool


@dataclass(frozen=True)
class DemoUser:
    username: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]
    organisation: str  # "ao" or a provider's centre number
    description: str


DEMO_PROVIDERS = (
    DemoProvider("Riverside College", "10042", "10004321", "Leeds", "LS1 4AP", True),
    DemoProvider("Hillcrest Training Ltd", "20117", "10007788", "Bristol", "BS1 5TR", False),
    DemoProvider("Meadowbank Academy", "30256", "10011223", "Norwich", "NR2 1SH", True),
)

ALL_PROVIDER_ROLES = (
    Role.PROVIDER_SUPER_USER,
    Role.BULK_UPLOAD,
    Role.MANAGE_REGISTRATION,
    Role.DATA_EXPORT,
    Role.RESULTS_ENTRY,
    Role.CERTIFICATE_RECEIPT,
)

DEMO_USERS = (
    DemoUser(
        "ada.okafor",
        "Ada",
        "Okafor",
        "ada.okafor@awards.example",
        (Role.AO_SUPER_USER,),
        "ao",
        "AO super user: users, providers, audit",
    ),
    DemoUser(
        "tom.reyes",
        "Tom",
        "Reyes",
        "tom.reyes@awards.example",
        (Role.CATALOGUE_MANAGER,),
        "ao",
        "Catalogue manager",
    ),
    DemoUser(
        "priya.shah",
        "Priya",
        "Shah",
        "priya.shah@awards.example",
        (Role.VERIFIER,),
        "ao",
        "Verifier of submitted results",
    ),
    DemoUser(
        "grace.lin",
        "Grace",
        "Lin",
        "grace.lin@awards.example",
        (Role.CERTIFICATION_OFFICER, Role.QCF_RECORD_SET_USER, Role.BATCH_USER),
        "ao",
        "Certification officer and LRS uploads",
    ),
    DemoUser(
        "ben.carter",
        "Ben",
        "Carter",
        "ben.carter@awards.example",
        (Role.AO_USER,),
        "ao",
        "AO user: verifies one learner's ULN with the LRS",
    ),
    DemoUser(
        "ruth.adeyemi",
        "Ruth",
        "Adeyemi",
        "ruth.adeyemi@awards.example",
        (Role.BATCH_USER, Role.AO_USER),
        "ao",
        "Batch user: verifies learners' ULNs with the LRS in batches",
    ),
    DemoUser(
        "maya.singh",
        "Maya",
        "Singh",
        "maya.singh@awards.example",
        (Role.EDC_RESOLVER,),
        "ao",
        "EDC resolver: event data challenges from the LRS (the nominated resolver)",
    ),
    DemoUser(
        "sam.patel",
        "Sam",
        "Patel",
        "sam.patel@riverside.example",
        ALL_PROVIDER_ROLES,
        "10042",
        "Riverside College: provider super user, every role",
    ),
    DemoUser(
        "lucy.evans",
        "Lucy",
        "Evans",
        "lucy.evans@riverside.example",
        (Role.MANAGE_REGISTRATION, Role.BULK_UPLOAD, Role.RESULTS_ENTRY, Role.DATA_EXPORT),
        "10042",
        "Riverside College: registrations, imports and results",
    ),
    DemoUser(
        "owen.hughes",
        "Owen",
        "Hughes",
        "owen.hughes@hillcrest.example",
        ALL_PROVIDER_ROLES,
        "20117",
        "Hillcrest Training: provider super user, every role",
    ),
    DemoUser(
        "nia.james",
        "Nia",
        "James",
        "nia.james@meadowbank.example",
        ALL_PROVIDER_ROLES,
        "30256",
        "Meadowbank Academy: provider super user, every role",
    ),
)


def demo_totp_key(username: str) -> str:
    """A fixed authenticator secret per demo account (hex), so people and scripts can sign in."""
    return hashlib.sha1(f"awards-portal-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def demo_totp_secret(username: str) -> str:
    """The same secret in the base32 form authenticator apps take."""
    return b32encode(bytes.fromhex(demo_totp_key(username))).decode()


@dataclass
class DemoReport:
    """What each seeder created, what later seeders need, and what goes into var/demo.json."""

    created: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)


@transaction.atomic
def seed(report: DemoReport) -> None:
    """The AO, the demo providers and their accounts; existing rows are left as they are."""
    ao = awarding_organisation_get_or_create(name=settings.AO_NAME)
    organisations: dict[str, Organisation] = {"ao": ao}
    for spec in DEMO_PROVIDERS:
        provider = Provider.objects.filter(centre_number=spec.centre_number).first()
        if provider is None:
            provider = provider_create(
                name=spec.name,
                centre_number=spec.centre_number,
                ukprn=spec.ukprn,
                town=spec.town,
                postcode=spec.postcode,
                e_certificates_enabled=spec.e_certificates_enabled,
                acting_user=None,
            )
            report.created.append(f"provider {spec.name}")
        organisations[spec.centre_number] = provider.organisation
    for user_spec in DEMO_USERS:
        if not User.objects.filter(username=user_spec.username).exists():
            user_create(
                organisation=organisations[user_spec.organisation],
                given_name=user_spec.given_name,
                family_name=user_spec.family_name,
                email=user_spec.email,
                roles=user_spec.roles,
                verification_note="Demo account created by seed_demo",
                acting_user=None,
                password=DEMO_PASSWORD,
                username=user_spec.username,
            )
            report.created.append(f"user {user_spec.username}")
        user = User.objects.get(username=user_spec.username)
        if user.second_factor_required and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user,
                name="Demo authenticator",
                key=demo_totp_key(user.username),
                confirmed=True,
            )
    report.document["awarding_organisation"] = ao.name
    report.document["providers"] = [
        {
            "name": p.name,
            "centre_number": p.centre_number,
            "ukprn": p.ukprn,
            "e_certificates_enabled": p.e_certificates_enabled,
        }
        for p in DEMO_PROVIDERS
    ]
    report.document["accounts"] = [
        {
            "username": u.username,
            "password": DEMO_PASSWORD,
            "email": u.email,
            "organisation": organisations[u.organisation].name,
            "kind": "ao_staff" if u.organisation == "ao" else "provider_administrator",
            "roles": list(u.roles),
            "totp_secret": demo_totp_secret(u.username) if _needs_second_factor(u) else None,
            "description": u.description,
        }
        for u in DEMO_USERS
    ]
    report.organisations = organisations


def _needs_second_factor(spec: DemoUser) -> bool:
    return User(
        organisation=Organisation(kind="ao" if spec.organisation == "ao" else "provider"),
        roles=list(spec.roles),
    ).second_factor_required


def write_demo_file(report: DemoReport) -> Path:
    DEMO_FILE.parent.mkdir(parents=True, exist_ok=True)
    document = {"portal_url": settings.PORTAL_BASE_URL, **report.document}
    DEMO_FILE.write_text(json.dumps(document, indent=2) + "\n")
    return DEMO_FILE
