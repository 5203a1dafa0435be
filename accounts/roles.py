"""Roles are combinable permission sets (R-ACC-5); pages and API actions check capabilities."""

from django.db import models


class Role(models.TextChoices):
    # AO roles (002 §11, plus the portal's own)
    AO_SUPER_USER = "ao_super_user", "Super user"
    BATCH_USER = "batch_user", "Batch user (verify learner batches)"
    AO_USER = "ao_user", "AO user (verify single learner)"
    QCF_RECORD_SET_USER = "qcf_record_set_user", "QCF record-set user (achievement batches)"
    QCF_USER = "qcf_user", "QCF user (single achievements)"
    VERIFIER = "verifier", "Verifier"
    CERTIFICATION_OFFICER = "certification_officer", "Certification officer"
    EDC_RESOLVER = "edc_resolver", "Event data challenge resolver"
    CATALOGUE_MANAGER = "catalogue_manager", "Catalogue manager"
    # Provider roles (004)
    PROVIDER_SUPER_USER = "provider_super_user", "Provider super user"
    BULK_UPLOAD = "bulk_upload", "Bulk Upload"
    MANAGE_REGISTRATION = "manage_registration", "Manage Registration & Certification"
    DATA_EXPORT = "data_export", "Data Export"
    RESULTS_ENTRY = "results_entry", "Results Entry"
    CERTIFICATE_RECEIPT = "certificate_receipt", "Certificate Receipt"


AO_ROLES = frozenset(
    {
        Role.AO_SUPER_USER,
        Role.BATCH_USER,
        Role.AO_USER,
        Role.QCF_RECORD_SET_USER,
        Role.QCF_USER,
        Role.VERIFIER,
        Role.CERTIFICATION_OFFICER,
        Role.EDC_RESOLVER,
        Role.CATALOGUE_MANAGER,
    }
)
PROVIDER_ROLES = frozenset(set(Role) - AO_ROLES)

# Roles whose holders must sign in with a second factor (R-ACC-6).
SECOND_FACTOR_REQUIRED_ROLES = AO_ROLES | {Role.PROVIDER_SUPER_USER}


class Capability(models.TextChoices):
    """What a page or API action needs; a user has the union of their roles' capabilities."""

    MANAGE_USERS = "manage_users", "Manage users"
    VIEW_AUDIT_LOG = "view_audit_log", "View the audit log"
    MANAGE_CATALOGUE = "manage_catalogue", "Manage the qualification catalogue"
    MANAGE_PROVIDERS = "manage_providers", "Manage providers"
    # Adding a provider or changing its record is the AO super user's; approvals per
    # qualification stay with whoever manages providers (the catalogue manager too).
    EDIT_PROVIDERS = "edit_providers", "Add and edit providers"
    VIEW_LEARNERS = "view_learners", "View learners and registrations"
    MANAGE_REGISTRATIONS = "manage_registrations", "Manage registrations"
    BULK_UPLOAD = "bulk_upload", "Import registrations from CSV"
    EXPORT_DATA = "export_data", "Export data"
    ENTER_RESULTS = "enter_results", "Enter and submit results"
    CONFIRM_RECEIPT = "confirm_receipt", "Confirm certificate receipt"
    VERIFY_RESULTS = "verify_results", "Verify submitted results"
    CERTIFICATE = "certificate", "Approve certification, issue and reissue certificates"
    VERIFY_LEARNERS = "verify_learners", "Verify learners' ULNs against the LRS"
    VERIFY_LEARNER_BATCHES = "verify_learner_batches", "Verify learner batches"
    UPLOAD_ACHIEVEMENTS = "upload_achievements", "Upload single achievements to the LRS"
    UPLOAD_ACHIEVEMENT_BATCHES = "upload_achievement_batches", "Upload achievement batches"
    RESOLVE_CHALLENGES = "resolve_challenges", "Resolve event data challenges"
    VOID_REGISTRATIONS = "void_registrations", "Void registrations"


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    # The AO super user also migrates records from older systems (R-REG-14: AO staff with Bulk
    # Upload import every status).
    Role.AO_SUPER_USER: frozenset(
        {
            C.BULK_UPLOAD,
            C.MANAGE_REGISTRATIONS,
            C.MANAGE_USERS,
            C.VIEW_AUDIT_LOG,
            C.MANAGE_PROVIDERS,
            C.EDIT_PROVIDERS,
            C.VIEW_LEARNERS,
            C.EXPORT_DATA,
            C.VOID_REGISTRATIONS,
        }
    ),
    Role.BATCH_USER: frozenset({C.VIEW_LEARNERS, C.VERIFY_LEARNERS, C.VERIFY_LEARNER_BATCHES}),
    Role.AO_USER: frozenset({C.VIEW_LEARNERS, C.VERIFY_LEARNERS}),
    Role.QCF_RECORD_SET_USER: frozenset(
        {C.VIEW_LEARNERS, C.UPLOAD_ACHIEVEMENTS, C.UPLOAD_ACHIEVEMENT_BATCHES}
    ),
    Role.QCF_USER: frozenset({C.VIEW_LEARNERS, C.UPLOAD_ACHIEVEMENTS}),
    Role.VERIFIER: frozenset({C.VIEW_LEARNERS, C.VERIFY_RESULTS}),
    Role.CERTIFICATION_OFFICER: frozenset({C.VIEW_LEARNERS, C.CERTIFICATE, C.EXPORT_DATA}),
    Role.EDC_RESOLVER: frozenset({C.VIEW_LEARNERS, C.RESOLVE_CHALLENGES}),
    Role.CATALOGUE_MANAGER: frozenset({C.MANAGE_CATALOGUE, C.MANAGE_PROVIDERS}),
    Role.PROVIDER_SUPER_USER: frozenset({C.MANAGE_USERS, C.VIEW_AUDIT_LOG, C.VIEW_LEARNERS}),
    Role.BULK_UPLOAD: frozenset({C.VIEW_LEARNERS, C.BULK_UPLOAD}),
    Role.MANAGE_REGISTRATION: frozenset({C.VIEW_LEARNERS, C.MANAGE_REGISTRATIONS}),
    Role.DATA_EXPORT: frozenset({C.VIEW_LEARNERS, C.EXPORT_DATA}),
    Role.RESULTS_ENTRY: frozenset({C.VIEW_LEARNERS, C.ENTER_RESULTS}),
    Role.CERTIFICATE_RECEIPT: frozenset({C.VIEW_LEARNERS, C.CONFIRM_RECEIPT}),
}


def capabilities_for_roles(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The union of the capabilities the given roles grant; unknown role codes grant nothing."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(granted)
