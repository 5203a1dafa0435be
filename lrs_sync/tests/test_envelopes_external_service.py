"""The portal's LRS XSD describes ExternalService as published, for the achievements work."""

import datetime
import threading

import pytest
from lxml import etree

from lrs_sync.achievement_envelopes import (
    AchievementRow,
    achievement_element,
    serialised_sizes,
    submit_request,
)
from lrs_sync.soap import NS_QCF_FAULTS, NS_QCF_MODEL, NS_QCF_SERVICES, contract_errors

SUBMIT = f"""<svc:SubmitAchievementBatchJob xmlns:svc="{NS_QCF_SERVICES}" xmlns:m="{NS_QCF_MODEL}">
  <svc:invokingUser>
    <m:OrgPassword>secret</m:OrgPassword><m:OrganisationRef>ORG1</m:OrganisationRef><m:UserName>u</m:UserName>
  </svc:invokingUser>
  <svc:emailAddress>lrs@ao.example</svc:emailAddress>
  <svc:submissionType>Final</svc:submissionType>
  <svc:achievements>
    <svc:Achievement>
      <svc:AchievementAwardDate>2025-06-30T00:00:00</svc:AchievementAwardDate>
      <svc:Action>1</svc:Action>
      <svc:ActionDate>2025-07-01T00:00:00</svc:ActionDate>
      <svc:DateofBirth>2006-03-27T00:00:00</svc:DateofBirth>
      <svc:FamilyName>O'Brien</svc:FamilyName>
      <svc:Gender>2</svc:Gender>
      <svc:GivenName>Zoë</svc:GivenName>
      <svc:Grade>P</svc:Grade>
      <svc:MisIdentifier>R-17</svc:MisIdentifier>
      <svc:ProviderUkprn>10012345</svc:ProviderUkprn>
      <svc:Uln>9276308686</svc:Uln>
      <svc:UnitOrQualificationReferenceNumber>60012345</svc:UnitOrQualificationReferenceNumber>
    </svc:Achievement>
  </svc:achievements>
</svc:SubmitAchievementBatchJob>"""

GET = f"""<svc:GetAchievementBatchJob xmlns:svc="{NS_QCF_SERVICES}" xmlns:m="{NS_QCF_MODEL}">
  <svc:invokingUser>
    <m:OrgPassword>secret</m:OrgPassword><m:OrganisationRef>ORG1</m:OrganisationRef><m:UserName>u</m:UserName>
  </svc:invokingUser>
  <svc:jobId>42</svc:jobId>
</svc:GetAchievementBatchJob>"""

JOB = f"""<svc:GetAchievementBatchJobResponse
  xmlns:svc="{NS_QCF_SERVICES}" xmlns:m="{NS_QCF_MODEL}">
  <svc:GetAchievementBatchJobResult>
    <m:ResponseCode>RS001</m:ResponseCode><m:AchievementsCreated>1</m:AchievementsCreated>
    <m:EndDate>2025-07-01T10:00:00</m:EndDate><m:JobID>42</m:JobID>
    <m:NumberOfRecords>1</m:NumberOfRecords><m:PercentageSuccessfulRecords>100</m:PercentageSuccessfulRecords>
    <m:Status>Successful</m:Status>
  </svc:GetAchievementBatchJobResult>
</svc:GetAchievementBatchJobResponse>"""


def parse(text: str) -> etree._Element:
    return etree.fromstring(text.encode())


@pytest.mark.parametrize("text", [SUBMIT, GET, JOB], ids=["submit", "get", "job"])
def test_external_service_messages_as_published_are_valid(text):
    assert contract_errors(parse(text)) == []


def test_invoking_user_fields_in_the_services_namespace_are_refused():
    wrong = SUBMIT.replace(
        "<m:OrgPassword>secret</m:OrgPassword>", "<svc:OrgPassword>secret</svc:OrgPassword>"
    )

    assert contract_errors(parse(wrong)) != []


def test_an_achievement_date_without_a_time_is_refused():
    wrong = SUBMIT.replace("2025-06-30T00:00:00", "2025-06-30")

    assert contract_errors(parse(wrong)) != []


def test_achievement_fields_out_of_alphabetical_order_are_refused():
    wrong = SUBMIT.replace(
        "<svc:Action>1</svc:Action>\n      <svc:ActionDate>2025-07-01T00:00:00</svc:ActionDate>",
        "<svc:ActionDate>2025-07-01T00:00:00</svc:ActionDate>\n      <svc:Action>1</svc:Action>",
    )

    assert contract_errors(parse(wrong)) != []


def test_gender_is_a_number():
    assert (
        contract_errors(
            parse(SUBMIT.replace("<svc:Gender>2</svc:Gender>", "<svc:Gender>F</svc:Gender>"))
        )
        != []
    )


def test_a_job_status_outside_the_published_list_is_refused():
    assert contract_errors(parse(JOB.replace("Successful", "Done"))) != []


def test_domain_fault_detail_is_valid():
    fault = parse(
        f'<f:DomainFault xmlns:f="{NS_QCF_FAULTS}"><f:ErrorCode>RS005</f:ErrorCode>'
        "<f:ErrorDetail>VG9vIG1hbnkgcmVqZWN0aW9ucw==</f:ErrorDetail></f:DomainFault>"
    )

    assert contract_errors(fault) == []


def _row(**overrides) -> AchievementRow:
    values = {
        "award_date": datetime.date(2025, 6, 30),
        "action": 3,
        "action_date": datetime.date(2025, 7, 1),
        "action_reason": "SUBINERROR",
        "date_of_birth": None,
        "family_name": "O'Brien & Sons <Ltd>",
        "gender": "",
        "given_name": "Zoë",
        "grade": "",
        "language_for_assessment": "",
        "postcode": "",
        "mis_identifier": "ACH17",
        "ukprn": "10012345",
        "uln": "9276308686",
        "aim_reference": "60012345",
    }
    return AchievementRow(**{**values, **overrides})


def test_an_achievement_leaves_out_its_empty_optional_fields_and_keeps_the_required_ones():
    element = achievement_element(_row(family_name=""))

    names = [etree.QName(child).localname for child in element]
    assert names == [
        "AchievementAwardDate",
        "Action",
        "ActionDate",
        "ActionReason",
        "FamilyName",
        "GivenName",
        "MisIdentifier",
        "ProviderUkprn",
        "Uln",
        "UnitOrQualificationReferenceNumber",
    ]
    assert element.findtext(f"{{{NS_QCF_SERVICES}}}FamilyName") == ""


def test_an_achievement_is_built_the_same_on_any_thread():
    row = _row(gender="2", grade="P", date_of_birth=datetime.date(2006, 3, 27))
    built = []
    thread = threading.Thread(target=lambda: built.append(etree.tostring(achievement_element(row))))
    thread.start()
    thread.join()

    assert built == [etree.tostring(achievement_element(row))]
    assert b"<s:FamilyName>O'Brien &amp; Sons &lt;Ltd&gt;</s:FamilyName>" in built[0]


def _request(achievements):
    return submit_request(email_address="a@b.c", submission_type="Final", achievements=achievements)


def test_a_records_size_in_the_envelope_is_measured_without_its_own_namespace_declarations():
    second = _row(uln="1234567890", given_name="Zoë", family_name="Ñúñez-Ó'Brien")
    elements = [achievement_element(_row()), achievement_element(second)]
    sizes = serialised_sizes(elements)
    first = etree.tostring(_request(elements[:1]), xml_declaration=True, encoding="utf-8")
    both = etree.tostring(_request(elements), xml_declaration=True, encoding="utf-8")

    assert len(both) - len(first) == sizes[1]
