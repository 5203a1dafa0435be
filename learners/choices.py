"""Demographic answers (R-LRN-6): only the values the regulator and the LRS accept, each
question with a "Not known" answer. Codes are the ILR / LRS codes, so they can be returned as-is."""

from django.db import models


class Gender(models.TextChoices):
    # LRS gender codes
    NOT_KNOWN = "0", "Not known"
    MALE = "1", "Male"
    FEMALE = "2", "Female"
    NOT_SPECIFIED = "9", "Not specified"


class Ethnicity(models.TextChoices):
    # ILR Ethnicity codes
    WHITE_BRITISH = "31", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "32", "White: Irish"
    WHITE_TRAVELLER = "33", "White: Gypsy or Irish Traveller"
    WHITE_OTHER = "34", "White: any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "35", "Mixed: White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "36", "Mixed: White and Black African"
    MIXED_WHITE_ASIAN = "37", "Mixed: White and Asian"
    MIXED_OTHER = "38", "Mixed: any other Mixed or multiple ethnic background"
    ASIAN_INDIAN = "39", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "40", "Asian or Asian British: Pakistani"
    ASIAN_BANGLADESHI = "41", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "42", "Asian or Asian British: Chinese"
    ASIAN_OTHER = "43", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "44", "Black or Black British: African"
    BLACK_CARIBBEAN = "45", "Black or Black British: Caribbean"
    BLACK_OTHER = "46", "Black or Black British: any other Black background"
    ARAB = "47", "Other ethnic group: Arab"
    OTHER = "98", "Any other ethnic group"
    NOT_KNOWN = "99", "Not known"


class AbilityStatus(models.TextChoices):
    # ILR LLDDHealthProb: learning difficulty, disability or health problem
    YES = "1", "Has a learning difficulty, disability or health problem"
    NO = "2", "No learning difficulty, disability or health problem"
    NOT_KNOWN = "9", "Not known"


class PriorAttainment(models.TextChoices):
    # ILR PriorAttain
    ENTRY = "9", "Entry level"
    LEVEL_1 = "1", "Level 1"
    LEVEL_2 = "2", "Full level 2"
    LEVEL_3 = "3", "Full level 3"
    LEVEL_4 = "4", "Level 4"
    LEVEL_5 = "5", "Level 5"
    LEVEL_6 = "6", "Level 6"
    LEVEL_7 = "7", "Level 7 and above"
    OTHER = "97", "Other qualification, level not known"
    NONE = "99", "No qualifications"
    NOT_KNOWN = "98", "Not known"


class EmploymentStatus(models.TextChoices):
    # ILR EmpStat
    EMPLOYED = "10", "In paid employment"
    LOOKING = "11", "Not in paid employment, looking for work and available to start"
    NOT_LOOKING = "12", "Not in paid employment, not looking for work or not available to start"
    NOT_KNOWN = "98", "Not known"


# Question name -> (field on Learner, choices, the "Not known" code), for the R-LRN-6 report.
DEMOGRAPHIC_QUESTIONS: tuple[tuple[str, str, type[models.TextChoices], str], ...] = (
    ("Gender", "gender", Gender, Gender.NOT_KNOWN),
    ("Ethnicity", "ethnicity", Ethnicity, Ethnicity.NOT_KNOWN),
    ("Ability status (LLDD)", "ability_status", AbilityStatus, AbilityStatus.NOT_KNOWN),
    ("Prior attainment", "prior_attainment", PriorAttainment, PriorAttainment.NOT_KNOWN),
    ("Employment status", "employment_status", EmploymentStatus, EmploymentStatus.NOT_KNOWN),
)
