"""The audit log in plain English: what happened, to what, and what changed, in names and labels.

Rows keep what was recorded (action codes, ids, JSON); this module turns them into sentences when
they are shown, so rows written before it existed read just as well. It never raises: a value it
cannot name is shown as it was stored, never as a Python dict.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .models import AuditEvent

logger = logging.getLogger(__name__)

# What happened, as a phrase that reads after the actor's name ("Sam Super suspended ...").
# `{object}` is the thing it happened to, named in words.
ACTION_PHRASES: dict[str, str] = {
    "achievement.language_dropped": "dropped a language change for {object}, which is withdrawn",
    "achievement.language_marked": "noted a new language for assessment for {object}, to apply "
    "once the LRS has answered for it",
    "api_token.create": "created the API token {object}",
    "api_token.revoke": "revoked the API token {object}",
    "audit.exported": "downloaded the audit log",
    "audit.user_audit_run": "ran the annual user audit",
    "certificate.batch_viewed": "viewed the certificates of {object}",
    "certificate.download": "downloaded {object}",
    "certificate.download_zip": "downloaded the certificates of {object} as a ZIP file",
    "certificate.issue": "issued {object}",
    "certificate.list": "viewed the list of certificates",
    "certificate.pdf_integrity_failed": "found that the stored PDF of {object} did not match",
    "certificate.print_batch": "printed the certificates of {object}",
    "certificate.render": "rendered the PDF of {object}",
    "certificate.render_job.create": "started {object}",
    "certificate.render_job.resume": "resumed {object}",
    "certificate.render_job.retry": "retried {object}",
    "certificate.replace": "replaced {object}",
    "certificate.replacement_fees_exported": "downloaded the replacement fee income report",
    "certificate.revoke": "revoked {object}",
    "results.grade_correct": "corrected a grade in {object}",
    "challenge.correct_grade": "corrected the grade the event data challenge {object} is about",
    "challenge.in_progress": "set the event data challenge {object} to In progress",
    "challenge.monthly_report": "sent {object}",
    "challenge.move": "moved the achievement of the event data challenge {object} to another ULN",
    "challenge.receive": "received the event data challenge {object} from the LRS",
    "challenge.report": "told the LRS the resolution of the event data challenge {object}",
    "challenge.resolve": "resolved the event data challenge {object}",
    "challenge.resolver_nominate": "nominated the EDC resolver ({object})",
    "challenge.withdraw_duplicate": "withdrew a duplicate for the event data challenge {object}",
    "consignment.create": "made up {object}",
    "consignment.dispatch": "dispatched {object}",
    "course_run.create": "created the course run {object}",
    "course_run.learners_viewed": "viewed the learners on the course run {object}",
    "course_run.update": "changed the course run {object}",
    "grading_scheme.create": "created the grading scheme {object}",
    "grading_scheme.update": "changed the grading scheme {object}",
    "learner.create": "added the learner {object}",
    "learner.list_viewed": "viewed a list of learners",
    "learner.master_uln_used": "gave the learner {object} the master ULN the LRS linked",
    "learner.not_known_report_exported": "downloaded the 'Not known' report",
    "learner.not_known_report_viewed": "viewed the 'Not known' report",
    "learner.update": "changed the learner {object}",
    "learner.verified": "verified the learner {object} with the LRS",
    "learner.viewed": "viewed the learner {object}",
    "learners.exported": "exported learners as CSV",
    "learners.import_cancelled": "cancelled the learner import {object}",
    "learners.import_started": "started the learner import {object}",
    "learners.import_uploaded": "uploaded the learner import {object}",
    "learners.import_validated": "validated the learner import {object}",
    "lrs.verification_outcomes_viewed": "viewed the learners' verification outcomes",
    "lrs.verify_job.create": "started {object}",
    "lrs.verify_job.done": "finished {object}",
    "lrs.verify_job.exported": "downloaded the answers of {object} as CSV",
    "lrs.verify_job.failed": "recorded that {object} failed",
    "lrs.verify_job.retry": "retried {object}",
    "lrs.verify_job.viewed": "viewed the answers of {object}",
    "provider.create": "added the provider {object}",
    "provider.update": "changed the provider {object}",
    "provider_approval.grant": "approved {object}",
    "provider_approval.withdraw": "withdrew the approval: {object}",
    "qualification.create": "added the qualification {object}",
    "qualification.unit_remove": "removed a unit from {object}",
    "qualification.unit_set": "set a unit of {object}",
    "qualification.update": "changed the qualification {object}",
    "registration.create": "registered {object}",
    "registration.list_viewed": "viewed a list of registrations",
    "registration.update": "changed {object}",
    "registration.viewed": "viewed {object}",
    "registration.void": "voided {object}",
    "registrations.exported": "exported registrations as CSV",
    "registrations.import_cancelled": "cancelled {object}",
    "registrations.import_started": "started {object}",
    "registrations.import_uploaded": "uploaded {object}",
    "registrations.import_validated": "validated {object}",
    "results.import_cancel": "cancelled {object}",
    "results.import_upload": "uploaded {object}",
    "results.import_validate": "validated {object}",
    "results.issue": "issued {object}",
    "results.late_certificates_add": "added late certificates to {object}",
    "results.late_certificates_dispatch": "dispatched late certificates for {object}",
    "results.late_certificates_receive": "confirmed receipt of late certificates for {object}",
    "results.learner_update": "changed {object}",
    "results.query_reply": "replied to the verifier's query on {object}",
    "results.query_resolve": "resolved {object}",
    "results.receipt_overdue_email": "sent the receipt overdue email for {object}",
    "results.receipt_pending_export": "exported the Certificate Receipt Pending report",
    "results.retention_report_exported": "exported the records retention report",
    "results.retention_report_viewed": "viewed the records retention report",
    "results.verifier_assign": "assigned a verifier to {object}",
    "results.view": "viewed {object}",
    "unit.create": "added the unit {object}",
    "unit.update": "changed the unit {object}",
    "user.backup_codes_renewed": "made new backup codes for {object}",
    "user.create": "created the account of {object}",
    "user.deleted": "deleted the account of {object}",
    "user.email_confirmed": "confirmed the email address of {object}",
    "user.locked": "locked the account of {object} after failed sign-ins",
    "user.password_changed": "changed the password of {object}",
    "user.password_set_via_reset": "set a new password for {object} through a reset link",
    "user.password_set_via_welcome": "set a first password for {object} through a welcome link",
    "user.reinstated": "reinstated the account of {object}",
    "user.second_factor_enrolled": "set up two-factor sign-in for {object}",
    "user.second_factor_failed": "entered a wrong two-factor code for {object}",
    "user.second_factor_reset": "reset the two-factor sign-in of {object}",
    "user.second_factor_verified": "entered a two-factor code for {object}",
    "user.sign_in_failed": "failed to sign in as {object}",
    "user.signed_in": "signed in as {object}",
    "user.suspended": "suspended the account of {object}",
    "user.update": "changed the account of {object}",
    "user.welcome_sent": "sent a welcome email to {object}",
}
# Course run results move through stages: results.submitted, results.confirmed, ...
RESULTS_STAGE_PHRASE = "moved {object} to the stage '{stage}'"

# Field names that need a word other than the model's own label, and detail keys.
LABELS: dict[str, str] = {
    "user_name_tried": "User name tried",
    "way_in": "Where",
    "account_locked": "Account already locked",
    "failed_attempts": "Failed sign-ins in a row",
    "devices_removed": "Authenticators removed",
    "uln": "ULN",
    "ukprn": "UKPRN",
    "grades": "Grades",
    "verification_code": "LRS answer",
    "verification_flags": "Differences the LRS found",
    "via": "Verified",
    "verify_job": "Batch",
}
# Recorded values that are codes of another model's field: (key, where its words are).
CODED_KEYS: dict[str, tuple[str, str]] = {
    "verification_code": ("lrs_sync.verifyjoblearner", "response_code"),
    "verify_job": ("lrs_sync.verifyjoblearner", "job"),
}
# Recorded values that are the portal's own words for how something was done.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "via": {"single": "one learner on its own", "batch": "in a verification batch"},
}
# Keys of `detail` that only the portal itself needs.
HIDDEN_DETAIL_KEYS = frozenset({"device", "page"})

_NOT_SET = "(not set)"


@dataclass
class EventView:
    """One audit row as a reader sees it."""

    event: AuditEvent
    actor: str
    description: str
    changes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def _humanise(code: str) -> str:
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _model_for(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


class _Namer:
    """Names objects and values, loading what it needs once per page."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}

    def preload(self, events: Iterable[AuditEvent]) -> None:
        wanted: dict[str, set[str]] = {}
        for event in events:
            if event.object_type and event.object_id:
                wanted.setdefault(event.object_type, set()).add(event.object_id)
        for object_type, ids in wanted.items():
            model = _model_for(object_type)
            if model is None:
                continue
            try:
                found = _queryset(model).in_bulk([int(i) for i in ids if i.isdigit()])
            except Exception:  # a row that names an unusual key: fall back to object_repr
                logger.warning("audit rows of %s could not be named", object_type, exc_info=True)
                continue
            for pk, instance in found.items():
                self._names[(object_type, str(pk))] = _object_name(instance)

    def object(self, event: AuditEvent) -> str:
        name = self._names.get((event.object_type, event.object_id))
        if name:
            return name
        if event.object_repr:
            return event.object_repr
        model = _model_for(event.object_type)
        return str(model._meta.verbose_name) if model is not None else ""

    def related(self, model: type[models.Model], pk: Any) -> str:
        key = (model._meta.label_lower, str(pk))
        if key not in self._names:
            try:
                instance = _queryset(model).filter(pk=pk).first()
            except Exception:
                instance = None
            self._names[key] = _object_name(instance) if instance is not None else f"{pk}"
        return self._names[key]


def _queryset(model: type[models.Model]) -> models.QuerySet:
    label = model._meta.label_lower
    manager = model._default_manager
    if label == "registrations.registration":
        return manager.select_related("learner", "course_run__qualification")
    if label == "results.learnerresult":
        return manager.select_related("registration__learner")
    if label == "providers.provider":
        return manager.select_related("organisation")
    return manager.all()


def _object_name(instance: models.Model) -> str:
    """A thing's name in words, without internal ids where a better name exists."""
    label = instance._meta.label_lower
    if label == "registrations.registration":
        learner = instance.learner  # type: ignore[attr-defined]
        qualification = instance.course_run.qualification  # type: ignore[attr-defined]
        number = instance.registration_number or "not yet numbered"  # type: ignore[attr-defined]
        return f"the registration of {learner.full_name} on {qualification.number} ({number})"
    if label == "results.learnerresult":
        registration = instance.registration  # type: ignore[attr-defined]
        number = registration.registration_number or "not yet numbered"
        return f"the results of {registration.learner.full_name} ({number})"
    if label == "accounts.user":
        return f"{instance.full_name} ({instance.username})"  # type: ignore[attr-defined]
    return str(instance)


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _label(model: type[models.Model] | None, name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    model_field = _field(model, name)
    if model_field is not None and model_field.verbose_name:
        text = str(model_field.verbose_name)
        return text[:1].upper() + text[1:]
    return _humanise(name)


def _format_date(value: str) -> str | None:
    try:
        if "T" in value:
            return datetime.datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return None


def _value(namer: _Namer, model_field: models.Field | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return _NOT_SET
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if model_field is not None:
        if isinstance(model_field, models.ForeignKey):
            return namer.related(model_field.related_model, value)  # type: ignore[arg-type]
        base = getattr(model_field, "base_field", None)  # ArrayField: roles, ...
        choices = dict((base or model_field).flatchoices or [])
        if choices:
            if isinstance(value, list):
                return ", ".join(str(choices.get(v, v)) for v in value)
            return str(choices.get(value, value))
        if isinstance(model_field, models.DateField | models.DateTimeField) and isinstance(
            value, str
        ):
            return _format_date(value) or value
    if isinstance(value, list):
        return ", ".join(_value(namer, None, v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{_humanise(str(k))}: {_value(namer, None, v)}" for k, v in value.items())
    return str(value)


def _words(namer: _Namer, model: type[models.Model] | None, key: str, value: Any) -> str:
    """A recorded value in words: a choice's label, a related thing's name, an LRS code's
    meaning."""
    if isinstance(value, str) and value in VALUE_WORDS.get(key, {}):
        return VALUE_WORDS[key][value]
    if key == "verification_flags" and isinstance(value, list) and value:
        from lrs_sync.verification_words import flag_in_words

        return " ".join(flag_in_words(str(flag)) for flag in value)
    coded = CODED_KEYS.get(key)
    model_field = _field(_model_for(coded[0]), coded[1]) if coded else _field(model, key)
    return _value(namer, model_field, value)


def _grade_label(namer: _Namer, grade: Any) -> str:
    if grade in (None, ""):
        return _NOT_SET
    grade_model = _model_for("qualifications.grade")
    if grade_model is None or not str(grade).isdigit():
        return str(grade)
    key = ("qualifications.grade", str(grade))
    if key not in namer._names:
        label = grade_model._default_manager.filter(pk=grade).values_list("label", flat=True)
        namer._names[key] = str(label.first() or grade)
    return namer._names[key]


def _grade_changes(namer: _Namer, before: Any, after: Any) -> list[str]:
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    lines = []
    for unit in sorted(set(before) | set(after)):
        old, new = before.get(unit), after.get(unit)
        if old != new:
            lines.append(
                f"Unit {unit} grade: {_grade_label(namer, old)} → {_grade_label(namer, new)}"
            )
    return lines


def _changes(namer: _Namer, event: AuditEvent) -> list[str]:
    model = _model_for(event.object_type)
    before = event.before if isinstance(event.before, Mapping) else {}
    after = event.after if isinstance(event.after, Mapping) else {}
    lines: list[str] = []
    for key in list(dict.fromkeys([*before, *after])):
        if key == "grades":
            lines.extend(_grade_changes(namer, before.get(key), after.get(key)))
            continue
        label = _label(model, key)
        new = _words(namer, model, key, after.get(key))
        if key in before:
            old = _words(namer, model, key, before.get(key))
            lines.append(f"{label}: {old} → {new}" if key in after else f"{label}: {old} → removed")
        else:
            lines.append(f"{label}: {new}")
    return lines


def _details(namer: _Namer, event: AuditEvent) -> list[str]:
    detail = event.detail if isinstance(event.detail, Mapping) else {}
    model = _model_for(event.object_type)
    return [
        f"{_label(model, key)}: {_words(namer, model, key, value)}"
        for key, value in detail.items()
        if key not in HIDDEN_DETAIL_KEYS and value not in (None, "", [], {})
    ]


def _description(namer: _Namer, event: AuditEvent) -> str:
    target = namer.object(event)
    if event.action == "user.sign_in_failed" and not event.object_id:
        tried = (event.detail or {}).get("user_name_tried", "")
        return f"failed to sign in with an unknown user name ({tried})"
    phrase = ACTION_PHRASES.get(event.action)
    if phrase is None and event.action in {"suspended", "reinstated", "deleted"}:
        phrase = ACTION_PHRASES.get(f"user.{event.action}")
    if phrase is None and event.action.startswith("results."):
        stage = event.action.split(".", 1)[1]
        stages = dict(_stage_choices())
        if stage in stages:
            return RESULTS_STAGE_PHRASE.format(object=target, stage=stages[stage])
    if phrase is None:
        action = _humanise(event.action).lower()
        return f"{action}: {target}" if target else action
    if not target:
        phrase = phrase.replace(" of {object}", "").replace(" {object}", "")
    return phrase.format(object=target)


def _stage_choices() -> list[tuple[str, str]]:
    model = _model_for("results.courserunresults")
    stage = _field(model, "stage")
    return list(stage.flatchoices) if stage is not None else []


def _actor(event: AuditEvent) -> str:
    actor = event.actor
    if actor is not None:
        return actor.full_name or actor.username
    if event.action == "user.sign_in_failed":
        return "Someone"
    return event.actor_username or "The portal"


def events_described(events: Iterable[AuditEvent]) -> list[EventView]:
    """The rows as sentences: who, what happened to what, and each change in words."""
    events = list(events)
    namer = _Namer()
    namer.preload(events)
    views = []
    for event in events:
        try:
            description = _description(namer, event)
            changes = _changes(namer, event)
            details = _details(namer, event)
        except Exception:  # never fail to show the log: fall back to what was recorded
            description = f"{_humanise(event.action).lower()}: {event.object_repr}"
            changes, details = [], []
        views.append(
            EventView(
                event=event,
                actor=_actor(event),
                description=description,
                changes=changes,
                details=details,
            )
        )
    return views
