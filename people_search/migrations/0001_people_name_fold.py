"""`people_name_fold`: a name without case, accents or punctuation, and trigram indexes over the
learners' full names and certificates' learner names that it folds, and over certificates'
qualifications, which the same search box looks in (decision 0115)."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

# IMMUTABLE so that indexes may hold it: the unaccent dictionary is named, not looked up.
FOLD_FUNCTION = r"""
CREATE OR REPLACE FUNCTION people_name_fold(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, name)), '[^a-z0-9 ]+', '', 'g'
    )
$$;
"""

LEARNER_INDEX = (
    "CREATE INDEX IF NOT EXISTS learners_learner_name_folded_trgm ON learners_learner USING gin "
    "(people_name_fold(given_name || ' ' || preferred_given_name || ' ' || middle_names "
    "|| ' ' || family_name) gin_trgm_ops)"
)
CERTIFICATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS certificates_certificate_name_folded_trgm "
    "ON certificates_certificate USING gin (people_name_fold(learner_name) gin_trgm_ops)"
)
# The certificates page's search also looks in the qualification (Django's icontains: upper()).
CERTIFICATE_QUALIFICATION_INDEX = (
    "CREATE INDEX IF NOT EXISTS certificates_certificate_qualification_trgm "
    "ON certificates_certificate USING gin ((upper(qualification_number::text)) gin_trgm_ops, "
    "(upper(qualification_title::text)) gin_trgm_ops)"
)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("learners", "0001_initial"),
        ("certificates", "0004_certificate_check_record_key"),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(FOLD_FUNCTION, "DROP FUNCTION IF EXISTS people_name_fold(text)"),
        migrations.RunSQL(
            LEARNER_INDEX, "DROP INDEX IF EXISTS learners_learner_name_folded_trgm"
        ),
        migrations.RunSQL(
            CERTIFICATE_INDEX, "DROP INDEX IF EXISTS certificates_certificate_name_folded_trgm"
        ),
        migrations.RunSQL(
            CERTIFICATE_QUALIFICATION_INDEX,
            "DROP INDEX IF EXISTS certificates_certificate_qualification_trgm",
        ),
    ]
