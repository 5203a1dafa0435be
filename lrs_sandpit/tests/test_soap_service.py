"""The sandpit's LearnerService endpoint, spoken to in raw SOAP as any LRS client would."""

import datetime

import pytest
from django.test import override_settings
from lxml import etree

from lrs_sandpit.models import VerifyBatchJob
from lrs_sandpit.services import registered_learner_add, sandpit_account_ensure
from lrs_sync.soap import NS_MIAP_EXCEPTIONS, NS_REPORTMSG, NS_VLDMSG, SOAP_ENV

ENDPOINT = "/lrs-sandpit/LearnerService.svc"
VERIFY_ACTION = '"http://tempuri.org/LearnerPortType/verifyLearner"'
PASSWORD = "sandpit-password"

CREDENTIALS = """
      <OrganisationRef>SANDPIT-AO</OrganisationRef>
      <UKPRN>10099999</UKPRN>
      <OrgPassword>{password}</OrgPassword>
      <UserName>sandpit-user</UserName>"""


def verify_envelope(*, password=PASSWORD, uln="8000000074", given="James") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="{SOAP_ENV}">
  <s:Body>
    <rpt:VerifyLearner xmlns:rpt="{NS_REPORTMSG}">{CREDENTIALS.format(password=password)}
      <LearnerToVerify>
        <ULN>{uln}</ULN><FamilyName>Okafor</FamilyName><GivenName>{given}</GivenName>
        <DateOfBirth>2005-09-30</DateOfBirth><Gender>1</Gender>
      </LearnerToVerify>
    </rpt:VerifyLearner>
  </s:Body>
</s:Envelope>""".encode()


def batch_envelope(count: int, learners: int = 2) -> bytes:
    records = "".join(
        f"<Learner><MISIdentifier>L{i}</MISIdentifier><ULN>8000000074</ULN>"
        f"<FamilyName>Okafor</FamilyName><GivenName>James</GivenName></Learner>"
        for i in range(learners)
    )
    return f"""<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>
    <vld:SubmitVerifyBatch xmlns:vld="{NS_VLDMSG}">{CREDENTIALS.format(password=PASSWORD)}
      <LearnerRecordCount>{count}</LearnerRecordCount><OrgEmail>lrs@ao.example</OrgEmail>{records}
    </vld:SubmitVerifyBatch></s:Body></s:Envelope>""".encode()


def output_envelope(job_id: int) -> bytes:
    return f"""<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>
    <vld:GetVerifyBatchOutput xmlns:vld="{NS_VLDMSG}">{CREDENTIALS.format(password=PASSWORD)}
      <JobID>{job_id}</JobID></vld:GetVerifyBatchOutput></s:Body></s:Envelope>""".encode()


def post(client, body: bytes, action: str = '""', content_type: str = "text/xml; charset=utf-8"):
    return client.post(
        ENDPOINT, data=body, content_type=content_type, headers={"SOAPAction": action}
    )


def fault_code(response) -> str:
    root = etree.fromstring(response.content)
    return root.findtext(f".//{{{NS_MIAP_EXCEPTIONS}}}ErrorCode")


@pytest.fixture
def james(db):
    return registered_learner_add(
        uln="8000000074",
        given_name="James",
        family_name="Okafor",
        date_of_birth=datetime.date(2005, 9, 30),
        gender="1",
    )


def test_r_lrs_10_verify_learner_answers_in_soap(client, james):
    response = post(client, verify_envelope(given="JAMES"), action=VERIFY_ACTION)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    learner = etree.fromstring(response.content).find(
        f".//{{{NS_REPORTMSG}}}VerifyLearnerResponse/VerifiedLearner"
    )
    assert learner.findtext("ResponseCode") == "WSVRC001"
    assert learner.findtext("ULN") == "8000000074"
    assert learner.findtext("SearchedGivenName") == "JAMES"


def test_wrong_password_is_answered_with_a_credentials_fault(client, james):
    response = post(client, verify_envelope(password="guess"), action=VERIFY_ACTION)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/xml")
    assert fault_code(response) == "WSEC0002"
    assert b"guess" not in response.content


def test_unknown_organisation_is_answered_with_a_credentials_fault(client, james):
    body = verify_envelope().replace(b"SANDPIT-AO", b"OTHER-AO")

    assert fault_code(post(client, body, action=VERIFY_ACTION)) == "WSEC0002"


def test_a_changed_password_is_what_the_sandpit_then_accepts(client, james):
    sandpit_account_ensure(
        organisation_ref="SANDPIT-AO", ukprn="10099999", user_name="sandpit-user", password="new"
    )

    assert fault_code(post(client, verify_envelope(), action=VERIFY_ACTION)) == "WSEC0002"
    assert post(client, verify_envelope(password="new"), action=VERIFY_ACTION).status_code == 200


def test_verify_learner_with_the_wrong_soap_action_is_a_fault(client, james):
    response = post(client, verify_envelope(), action='""')

    assert fault_code(response) == "WSEC0001"
    assert b"SOAPAction" in response.content


def test_a_request_that_is_not_xml_is_a_fault_not_html(client, db):
    response = post(client, b"<html>hello", action=VERIFY_ACTION)

    assert response.status_code == 500
    assert fault_code(response) == "WSEC0001"


def test_a_request_sent_as_json_is_a_fault(client, james):
    response = post(
        client, verify_envelope(), action=VERIFY_ACTION, content_type="application/json"
    )

    assert fault_code(response) == "WSEC0001"


def test_namespaced_children_break_the_contract_and_are_refused(client, james):
    # A default namespace on the wrapper qualifies every child: the classic mistake.
    body = verify_envelope().replace(b'rpt:VerifyLearner xmlns:rpt="', b'rpt:VerifyLearner xmlns="')
    body = body.replace(
        b'<rpt:VerifyLearner xmlns="',
        b'<rpt:VerifyLearner xmlns:rpt="' + NS_REPORTMSG.encode() + b'" xmlns="',
    )

    response = post(client, body, action=VERIFY_ACTION)

    assert fault_code(response) == "WSEC0001"
    assert b"does not match the contract" in response.content


def test_fields_out_of_order_are_refused(client, james):
    body = verify_envelope().replace(
        b"<UKPRN>10099999</UKPRN>\n      <OrgPassword>sandpit-password</OrgPassword>",
        b"<OrgPassword>sandpit-password</OrgPassword><UKPRN>10099999</UKPRN>",
    )

    assert fault_code(post(client, body, action=VERIFY_ACTION)) == "WSEC0001"


def test_get_is_not_a_soap_call(client, db):
    response = client.get(ENDPOINT)

    assert response.status_code == 405


def test_batch_whose_count_disagrees_with_its_learners_is_refused(client, james):
    response = post(client, batch_envelope(count=3, learners=2))

    assert fault_code(response) == "WSEC0001"
    assert b"LearnerRecordCount" in response.content


@override_settings(LRS_SANDPIT_BATCH_DELAY_SECONDS=3600)
def test_r_lrn_7_batch_output_is_not_ready_until_the_job_is_processed(client, james):
    submitted = post(client, batch_envelope(count=2))
    job_id = int(etree.fromstring(submitted.content).findtext(".//JobID"))

    waiting = etree.fromstring(post(client, output_envelope(job_id)).content)

    assert waiting.findtext(".//JobStatus") == "Queued"
    assert waiting.findall(".//VerifiedLearner") == []
    VerifyBatchJob.objects.filter(pk=job_id).update(
        ready_after=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    )
    done = etree.fromstring(post(client, output_envelope(job_id)).content)
    assert done.findtext(".//JobStatus") == "Completed"
    assert [el.findtext("MISIdentifier") for el in done.iter("VerifiedLearner")] == ["L0", "L1"]
    assert {el.findtext("ResponseCode") for el in done.iter("VerifiedLearner")} == {"WSVRC001"}


def test_another_organisations_job_is_not_found(client, james):
    submitted = post(client, batch_envelope(count=2))
    job_id = int(etree.fromstring(submitted.content).findtext(".//JobID"))
    sandpit_account_ensure(
        organisation_ref="SANDPIT-AO", ukprn="10099999", user_name="sandpit-user", password="p"
    )
    sandpit_account_ensure(
        organisation_ref="OTHER-AO", ukprn="", user_name="sandpit-user", password="sandpit-password"
    )
    body = output_envelope(job_id).replace(b"SANDPIT-AO", b"OTHER-AO")

    assert fault_code(post(client, body)) == "WSEC0003"


def test_a_failure_inside_the_sandpit_is_a_server_fault_not_an_html_page(
    client, james, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("register unavailable")

    monkeypatch.setattr("lrs_sandpit.soap_service.register_for", broken)

    response = post(client, verify_envelope(), action=VERIFY_ACTION)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/xml")
    assert fault_code(response) == "WSEC0009"


def test_an_empty_sandpit_accepts_the_organisation_the_settings_name(client, james):
    from lrs_sandpit.models import SandpitAccount

    SandpitAccount.objects.all().delete()

    assert post(client, verify_envelope(), action=VERIFY_ACTION).status_code == 200
    assert (
        fault_code(post(client, verify_envelope(password="guess"), action=VERIFY_ACTION))
        == "WSEC0002"
    )


def answer_payload(response):
    from lrs_sync.soap import body_payload

    return body_payload(response.content)


def test_every_answer_the_sandpit_sends_is_valid_against_the_contract(client, james):
    from lrs_sync.soap import contract_errors

    verified = post(client, verify_envelope(given="Jim"), action=VERIFY_ACTION)
    not_found = post(client, verify_envelope(uln="9276308686"), action=VERIFY_ACTION)
    submitted = post(client, batch_envelope(count=2))
    job_id = int(etree.fromstring(submitted.content).findtext(".//JobID"))
    output = post(client, output_envelope(job_id))
    refused = post(client, verify_envelope(password="guess"), action=VERIFY_ACTION)

    for response in (verified, not_found, submitted, output):
        assert contract_errors(answer_payload(response)) == []
    detail = answer_payload(refused).find(f"detail/{{{NS_MIAP_EXCEPTIONS}}}MIAPAPIException")
    assert contract_errors(detail) == []
