"""The portal's LRS XSD describes LearnerServiceR9's data challenges as published."""

import pytest
from lxml import etree

from lrs_sync.soap import NS_AMOR_COMMON, NS_QCF_MODEL, NS_R9, contract_errors

INVOKING = f"""<r9:invokingOrganisation xmlns:c="{NS_AMOR_COMMON}">
    <c:ChannelCode>WebServices</c:ChannelCode><c:Password>secret</c:Password>
    <c:Reference>ORG1</c:Reference><c:Ukprn>10099999</c:Ukprn><c:Username>u</c:Username>
  </r9:invokingOrganisation>
  <r9:userType>LEA</r9:userType><r9:vendorId>0</r9:vendorId><r9:language>ENG</r9:language>"""

CHALLENGE_FIELDS = [
    ("challengeType", "EVENT"),
    ("uln", "9276308686"),
    ("givenName", "Zoë"),
    ("familyName", "O'Brien"),
    ("dateOfBirth", "2006-03-27T00:00:00"),
    ("gender", "2"),
    ("contactName", "Helen Carter"),
    ("telephone", "01632 960000"),
    ("emailAddress", "lrs@ao.example"),
    ("additionalInformation", "Grade recorded as Merit, awarded Distinction"),
    ("learningEvent1Id", "123"),
    ("source1", "AO"),
    ("originalAccreditationNumber", "60012345"),
    ("originalAwardingBody", "AO"),
    ("originalQualificationLevel", "2"),
    ("originalAimTitle", "Certificate in Food Safety"),
    ("originalAchievedDate", "2025-06-30T00:00:00"),
    ("originalAchievedGrade", "M"),
    ("originalTotalCredits", ""),
    ("originalCreditValue", ""),
    ("originalLanguageForAssessment", "English"),
    ("originalProvider", "10012345"),
    ("originalType", "QCF"),
    ("originalStartDate", None),
    ("originalEndDate", None),
    ("learningEvent2Id", "0"),
    ("source2", ""),
    ("suppliedAccreditationNumber", "60012345"),
    ("suppliedAwardingBody", "AO"),
    ("suppliedAimTitle", "Certificate in Food Safety"),
    ("suppliedAchievedDate", "2025-06-30T00:00:00"),
    ("suppliedAchievedGrade", "D"),
    ("suppliedTotalCredits", ""),
    ("suppliedCreditValue", ""),
    ("suppliedLanguageForAssessment", "English"),
    ("suppliedProvider", "10012345"),
    ("suppliedType", "QCF"),
    ("suppliedQualificationLevel", "2"),
    ("suppliedStartDate", None),
    ("suppliedEndDate", None),
]


def field(name, value):
    if value is None:
        return f'<r9:{name} xsi:nil="true"/>'
    return f"<r9:{name}>{value}</r9:{name}>"


def create(fields=CHALLENGE_FIELDS) -> etree._Element:
    body = "".join(field(name, value) for name, value in fields)
    return etree.fromstring(
        f'<r9:CreateDataChallenge xmlns:r9="{NS_R9}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{INVOKING}{body}</r9:CreateDataChallenge>'
    )


def test_create_data_challenge_as_published_is_valid():
    assert contract_errors(create()) == []


def test_list_data_challenge_as_published_is_valid():
    listing = etree.fromstring(
        f'<r9:ListDataChallenge xmlns:r9="{NS_R9}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'{INVOKING}<r9:uln>9276308686</r9:uln><r9:dateCreatedStart xsi:nil="true"/>'
        '<r9:dateCreatedEnd xsi:nil="true"/></r9:ListDataChallenge>'
    )

    assert contract_errors(listing) == []


def test_every_create_parameter_must_be_present():
    assert contract_errors(create(CHALLENGE_FIELDS[:-1])) != []


def test_a_date_of_birth_without_a_time_is_refused():
    fields = [
        (name, "2006-03-27" if name == "dateOfBirth" else value) for name, value in CHALLENGE_FIELDS
    ]

    assert contract_errors(create(fields)) != []


def test_an_unknown_channel_code_is_refused():
    wrong = etree.tostring(create()).replace(b"WebServices", b"Email")

    assert contract_errors(etree.fromstring(wrong)) != []


@pytest.mark.parametrize(
    "answer",
    [
        f'<r9:CreateDataChallengeResponse xmlns:r9="{NS_R9}" xmlns:m="{NS_QCF_MODEL}">'
        "<r9:CreateDataChallengeResult>"
        "<m:ResponseCode>DC001</m:ResponseCode><m:DataChallengeReference>DC-123</m:DataChallengeReference>"
        "</r9:CreateDataChallengeResult></r9:CreateDataChallengeResponse>",
        f'<r9:ListDataChallengeResponse xmlns:r9="{NS_R9}" xmlns:m="{NS_QCF_MODEL}">'
        "<r9:ListDataChallengeResult>"
        "<m:DataChallenges><m:ListDataChallengeItem><m:CreatedDate>2025-07-01T09:00:00</m:CreatedDate>"
        "<m:ReferenceNo>DC-123</m:ReferenceNo><m:Status>Open</m:Status><m:Type>EVENT</m:Type>"
        "</m:ListDataChallengeItem></m:DataChallenges><m:ResponseCode>DC010</m:ResponseCode>"
        "</r9:ListDataChallengeResult></r9:ListDataChallengeResponse>",
    ],
    ids=["create-answer", "list-answer"],
)
def test_data_challenge_answers_as_published_are_valid(answer):
    assert contract_errors(etree.fromstring(answer.encode())) == []
