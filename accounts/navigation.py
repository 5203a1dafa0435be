"""The main menu: each item names the capability it needs, so users see only what they may use."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .models import User
from .roles import Capability


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    capability: str | None = None  # None: every signed-in user
    ao_only: bool = False
    provider_only: bool = False


MENU: tuple[MenuItem, ...] = (
    MenuItem("Dashboard", "dashboard"),
    MenuItem("Providers", "providers:list", Capability.MANAGE_PROVIDERS, ao_only=True),
    MenuItem("Our centre", "providers:own", provider_only=True),
    MenuItem("Catalogue", "qualifications:catalogue", Capability.MANAGE_CATALOGUE, ao_only=True),
    MenuItem("Learners", "learners:list", Capability.VIEW_LEARNERS),
    MenuItem(
        "Register a learner",
        "registrations:register",
        Capability.MANAGE_REGISTRATIONS,
        provider_only=True,
    ),
    MenuItem("Course runs", "registrations:course_run_list", Capability.VIEW_LEARNERS),
    MenuItem("Registrations", "registrations:list", Capability.VIEW_LEARNERS),
    MenuItem("Not known report", "learners:not_known_report", Capability.VIEW_LEARNERS),
    MenuItem(
        "Verify ULNs", "lrs_sync:verify_jobs", Capability.VERIFY_LEARNER_BATCHES, ao_only=True
    ),
    MenuItem("ULN verification", "lrs_sync:outcomes", Capability.VIEW_LEARNERS),
    MenuItem(
        "Achievement batches",
        "lrs_sync:achievement_batches",
        Capability.UPLOAD_ACHIEVEMENT_BATCHES,
        ao_only=True,
    ),
    MenuItem("Achievements", "lrs_sync:achievements", Capability.UPLOAD_ACHIEVEMENTS, ao_only=True),
    MenuItem(
        "LRS deadlines",
        "lrs_sync:achievement_deadlines",
        Capability.UPLOAD_ACHIEVEMENTS,
        ao_only=True,
    ),
    MenuItem("Data challenges", "lrs_challenges:list", Capability.RESOLVE_CHALLENGES, ao_only=True),
    MenuItem("EDC resolver", "lrs_challenges:settings", Capability.MANAGE_USERS, ao_only=True),
    MenuItem("Certificates", "certificates:list", Capability.CERTIFICATE, ao_only=True),
    MenuItem(
        "Replacement fees", "certificates:replacement_fees", Capability.CERTIFICATE, ao_only=True
    ),
    MenuItem("Certificates", "certificates:list", Capability.VIEW_LEARNERS, provider_only=True),
    MenuItem("Results", "results:administration", Capability.VIEW_LEARNERS, provider_only=True),
    MenuItem("Verification", "results:verification_queue", Capability.VERIFY_RESULTS, ao_only=True),
    MenuItem("Certification", "results:certification_queue", Capability.CERTIFICATE, ao_only=True),
    MenuItem("Dispatch", "results:dispatch", Capability.CERTIFICATE, ao_only=True),
    MenuItem("Receipt pending", "results:receipt_pending", Capability.VIEW_LEARNERS),
    MenuItem("Users", "accounts:user_list", Capability.MANAGE_USERS),
    MenuItem("Audit log", "audit:event_list", Capability.VIEW_AUDIT_LOG),
    MenuItem("Your account", "accounts:my_account"),
)


def menu_for(user: User, current_path: str = "") -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for item in MENU:
        if item.capability and not user.can(item.capability):
            continue
        if item.ao_only and not user.is_ao_staff:
            continue
        if item.provider_only and user.is_ao_staff:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # the page belongs to an area not installed yet
        current = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"label": item.label, "url": url, "current": current})
    return items
