"""An issued certificate's snapshot, number, token and stored PDF can never change (R-CRT-1).

The rule lives in the database so no code path (admin, shell, a later migration's data fix)
can quietly rewrite what a certificate said; deleting a certificate is refused too (R-CRT-7).
"""

from django.db import migrations

SNAPSHOT_COLUMNS = (
    "number",
    "qr_token",
    "achievement_reference",
    "replaces_id",
    "provider_id",
    "learner_name",
    "qualification_number",
    "qualification_title",
    "units",
    "grade",
    "award_date",
    "awarding_organisation_name",
    "issued_at",
    "issued_by_id",
    "replacement_reason",
    "replacement_fee_pence",
)
SET_ONCE_COLUMNS = ("pdf", "pdf_sha256", "pdf_rendered_at")

_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in SNAPSHOT_COLUMNS)
_rewritten = " OR ".join(
    f"(OLD.{c} IS NOT NULL AND OLD.{c}::text <> '' AND NEW.{c} IS DISTINCT FROM OLD.{c})"
    for c in SET_ONCE_COLUMNS
)

CREATE = f"""
CREATE OR REPLACE FUNCTION certificates_certificate_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'certificates are never deleted (certificate %)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF {_changed} THEN
        RAISE EXCEPTION 'an issued certificate cannot be changed (certificate %)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF {_rewritten} THEN
        RAISE EXCEPTION 'a stored certificate PDF cannot be replaced (certificate %)', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER certificates_certificate_immutable
    BEFORE UPDATE OR DELETE ON certificates_certificate
    FOR EACH ROW EXECUTE FUNCTION certificates_certificate_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS certificates_certificate_immutable ON certificates_certificate;
DROP FUNCTION IF EXISTS certificates_certificate_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("certificates", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
