"""The sandpit's matching rules (R-LRS-10, seed 002 §13): one test per code and per failure flag."""

import datetime
import time

import pytest

from lrs_sandpit.matching import (
    EXACT_MATCH,
    LINKED_MATCH,
    NOT_MATCHED,
    POSSIBLE_LINKED_MATCH,
    POSSIBLE_MATCH,
    ULN_NOT_FOUND,
    LearnerQuery,
    RegisterEntry,
    fold,
    match_learner,
    match_learners,
)

BORN = datetime.date(2005, 9, 30)

JAMES = RegisterEntry(
    uln="8000000074",
    given_name="James",
    family_name="Okafor",
    previous_family_name="",
    date_of_birth=BORN,
    gender="1",
)
REBECCA = RegisterEntry(
    uln="8000000031",
    given_name="Rebecca",
    family_name="Turner",
    previous_family_name="Marsh",
    date_of_birth=datetime.date(2004, 7, 8),
    gender="2",
)
LINKED_JAMES = RegisterEntry(
    uln="8000000082",
    given_name="James",
    family_name="Okafor",
    previous_family_name="",
    date_of_birth=BORN,
    gender="1",
    master=JAMES,
)


def query(entry: RegisterEntry, **changes: str) -> LearnerQuery:
    values = {
        "uln": entry.uln,
        "given_name": entry.given_name,
        "family_name": entry.family_name,
        "date_of_birth": entry.date_of_birth.isoformat(),
        "gender": entry.gender,
    }
    values.update(changes)
    return LearnerQuery(**values)


# -- return codes -------------------------------------------------------------------------------


def test_r_lrs_10_vrc001_exact_match_ignores_case_and_spaces():
    result = match_learner(query(JAMES, given_name="  JAMES ", family_name="okafor"), JAMES)

    assert result.response_code == EXACT_MATCH
    assert result.failure_flags == ()
    assert result.answered == JAMES


def test_r_lrs_10_vrc001_exact_match_folds_accents():
    entry = RegisterEntry("8000000058", "Élodie", "Müller", "", BORN, "2")

    result = match_learner(query(entry, given_name="Elodie", family_name="MULLER"), entry)

    assert result.response_code == EXACT_MATCH


def test_r_lrs_10_vrc001_without_date_of_birth_or_gender_supplied():
    result = match_learner(query(JAMES, date_of_birth="", gender=""), JAMES)

    assert result.response_code == EXACT_MATCH


def test_r_lrs_10_vrc002_linked_uln_answers_with_the_master():
    result = match_learner(query(LINKED_JAMES), LINKED_JAMES)

    assert result.response_code == LINKED_MATCH
    assert result.answered is not None
    assert result.answered.uln == JAMES.uln


def test_r_lrs_10_vrc003_synonym_given_name_jim_for_james_is_only_possible():
    result = match_learner(query(JAMES, given_name="Jim"), JAMES)

    assert result.response_code == POSSIBLE_MATCH
    assert result.failure_flags == ()


def test_r_lrs_10_vrc003_one_part_of_a_double_given_name_is_only_possible():
    entry = RegisterEntry("8000000015", "Sally Ann", "Whitfield", "", BORN, "2")

    result = match_learner(query(entry, given_name="Sally"), entry)

    assert result.response_code == POSSIBLE_MATCH


def test_r_lrs_10_vrc003_one_part_of_a_double_family_name_is_only_possible():
    entry = RegisterEntry("8000000023", "Megan", "Lloyd-Jones", "", BORN, "2")

    result = match_learner(query(entry, family_name="Jones"), entry)

    assert result.response_code == POSSIBLE_MATCH


def test_r_lrs_10_vrc003_previous_family_name_is_only_possible():
    result = match_learner(query(REBECCA, family_name="Marsh"), REBECCA)

    assert result.response_code == POSSIBLE_MATCH


def test_r_lrs_10_vrc003_a_small_misspelling_is_only_possible():
    result = match_learner(query(REBECCA, given_name="Rebeca", family_name="Tuner"), REBECCA)

    assert result.response_code == POSSIBLE_MATCH


def test_r_lrs_10_vrc003_names_the_other_way_round_are_only_possible():
    result = match_learner(query(JAMES, given_name="Okafor", family_name="James"), JAMES)

    assert result.response_code == POSSIBLE_MATCH


def test_r_lrs_10_vrc004_possible_match_on_a_linked_uln_answers_with_the_master():
    result = match_learner(query(LINKED_JAMES, given_name="Jim"), LINKED_JAMES)

    assert result.response_code == POSSIBLE_LINKED_MATCH
    assert result.answered is not None
    assert result.answered.uln == JAMES.uln


def test_r_lrs_10_vrc005_date_of_birth_mismatch_with_vrf7():
    result = match_learner(query(JAMES, date_of_birth="2005-09-29"), JAMES)

    assert result.response_code == NOT_MATCHED
    assert result.failure_flags == ("VRF7",)


def test_r_lrs_10_vrc006_uln_not_found():
    result = match_learner(query(JAMES, uln="9999999999"), None)

    assert result.response_code == ULN_NOT_FOUND
    assert result.answered is None


# -- failure flags ------------------------------------------------------------------------------


def test_r_lrs_10_vrf1_given_name_does_not_match_the_lrs_given_name():
    result = match_learner(query(JAMES, given_name="Brian"), JAMES)

    assert result.response_code == NOT_MATCHED
    assert "VRF1" in result.failure_flags


def test_r_lrs_10_vrf2_given_name_does_not_match_the_lrs_family_name_either():
    result = match_learner(query(JAMES, given_name="Brian"), JAMES)

    assert "VRF2" in result.failure_flags
    assert "VRF3" not in result.failure_flags  # no previous family name is held


def test_r_lrs_10_vrf3_given_name_does_not_match_the_previous_family_name():
    result = match_learner(query(REBECCA, given_name="Brian"), REBECCA)

    assert result.failure_flags == ("VRF1", "VRF2", "VRF3")


def test_r_lrs_10_vrf4_family_name_does_not_match_the_lrs_given_name():
    result = match_learner(query(JAMES, family_name="Hussain"), JAMES)

    assert result.response_code == NOT_MATCHED
    assert "VRF4" in result.failure_flags


def test_r_lrs_10_vrf5_family_name_does_not_match_the_lrs_family_name():
    result = match_learner(query(JAMES, family_name="Hussain"), JAMES)

    assert result.failure_flags == ("VRF4", "VRF5")


def test_r_lrs_10_vrf6_family_name_does_not_match_the_previous_family_name():
    result = match_learner(query(REBECCA, family_name="Hussain"), REBECCA)

    assert result.failure_flags == ("VRF4", "VRF5", "VRF6")


def test_r_lrs_10_vrf7_date_of_birth_supplied_must_match_even_with_exact_names():
    result = match_learner(query(REBECCA, date_of_birth="2004-08-07"), REBECCA)

    assert result.response_code == NOT_MATCHED
    assert result.failure_flags == ("VRF7",)


def test_r_lrs_10_vrf8_gender_supplied_must_match():
    result = match_learner(query(JAMES, gender="2"), JAMES)

    assert result.response_code == NOT_MATCHED
    assert result.failure_flags == ("VRF8",)


def test_r_lrs_10_gender_not_known_or_not_specified_is_never_a_mismatch():
    assert match_learner(query(JAMES, gender="9"), JAMES).response_code == EXACT_MATCH
    assert match_learner(query(JAMES, gender="0"), JAMES).response_code == EXACT_MATCH


def test_r_lrs_10_a_possible_name_with_a_wrong_date_of_birth_does_not_match():
    result = match_learner(query(JAMES, given_name="Jim", date_of_birth="2001-01-01"), JAMES)

    assert result.response_code == NOT_MATCHED
    assert result.failure_flags == ("VRF7",)


def test_fold_removes_case_accents_and_extra_spaces():
    assert fold("  Siobhán   NÍ  Bhriain ") == "siobhan ni bhriain"
    assert fold("Øyvind") == "oyvind"


# -- speed --------------------------------------------------------------------------------------


def test_r_lrs_10_five_thousand_learners_match_well_under_three_seconds():
    register = {}
    queries = []
    given_names = ("James", "Jim", "Rebecca", "Sally Ann", "Zoë", "Siobhán", "Kwame", "Priya")
    for index in range(5000):
        uln = f"{index:010d}"
        given = given_names[index % len(given_names)]
        register[uln] = RegisterEntry(uln, given, f"Family{index}", "Marsh", BORN, "1")
        supplied_given = given if index % 3 else "Jamie"
        supplied_family = f"Family{index}" if index % 5 else f"Famly{index}"
        queries.append(LearnerQuery(uln, supplied_given, supplied_family, BORN.isoformat(), "1"))

    started = time.perf_counter()
    results = match_learners(queries, register)
    elapsed = time.perf_counter() - started

    assert len(results) == 5000
    assert {result.response_code for result in results} >= {EXACT_MATCH, POSSIBLE_MATCH}
    assert elapsed < 1.5, f"5,000 learners took {elapsed:.2f}s to match"


@pytest.mark.parametrize("given", ["Chris", "chris"])
def test_r_lrs_10_synonyms_come_from_the_nicknames_data_not_a_typed_list(given):
    entry = RegisterEntry("8000000015", "Christopher", "Hale", "", BORN, "1")

    assert match_learner(query(entry, given_name=given), entry).response_code == POSSIBLE_MATCH
