"""The LearnerService messages the client builds and reads (R-LRN-7): the contract's shape."""

import datetime

import pytest
from lxml import etree

from lrs_sync import envelopes
from lrs_sync.envelopes import Credentials, UnexpectedAnswer
from lrs_sync.soap import (
    NS_MIAP_EXCEPTIONS,
    NS_REPORTMSG,
    NS_VLDMSG,
    SoapFault,
    body_payload,
    contract_errors,
    envelope,
    fault_envelope,
    fault_from_payload,
)
from lrs_sync.verification_types import LearnerToVerify

CREDENTIALS = Credentials(
    organisation_ref="ORG1", ukprn="10099999", username="user", password="secret"
)
LEARNER = LearnerToVerify(
    uln="9276308686",
    given_name="Zoë",
    family_name="O'Brien",
    date_of_birth=datetime.date(2006, 3, 27),
    gender="2",
    mis_identifier="L-17",
)


def all_requests():
    return [
        envelopes.verify_learner_request(CREDENTIALS, LEARNER),
        envelopes.verify_learner_request(
            CREDENTIALS, LearnerToVerify(uln="9276308686", given_name="A", family_name="B")
        ),
        envelopes.submit_verify_batch_request(
            CREDENTIALS, [LEARNER, LEARNER], notify_email="lrs@ao.example"
        ),
        envelopes.get_verify_batch_output_request(CREDENTIALS, 123456789012),
    ]


@pytest.mark.parametrize(
    "payload", all_requests(), ids=["verify", "verify-minimal", "submit-batch", "batch-output"]
)
def test_r_lrn_7_every_request_validates_against_the_portal_lrs_xsd(payload):
    assert contract_errors(payload) == []


@pytest.mark.parametrize(
    "payload", all_requests(), ids=["verify", "verify-minimal", "submit-batch", "batch-output"]
)
def test_only_the_wrapper_is_namespaced_and_credentials_come_first(payload):
    assert etree.QName(payload).namespace in {NS_REPORTMSG, NS_VLDMSG}
    assert all(etree.QName(element).namespace is None for element in payload.iterdescendants())
    assert [element.tag for element in payload][:4] == [
        "OrganisationRef",
        "UKPRN",
        "OrgPassword",
        "UserName",
    ]


def test_verify_learner_request_fields_in_contract_order():
    payload = envelopes.verify_learner_request(CREDENTIALS, LEARNER)

    learner = payload.find("LearnerToVerify")
    assert [element.tag for element in learner] == [
        "ULN",
        "FamilyName",
        "GivenName",
        "DateOfBirth",
        "Gender",
    ]
    assert learner.findtext("DateOfBirth") == "2006-03-27"
    assert learner.findtext("GivenName") == "Zoë"


def test_batch_request_counts_its_learners_and_keys_each_one():
    payload = envelopes.submit_verify_batch_request(
        CREDENTIALS, [LEARNER, LEARNER], notify_email="lrs@ao.example"
    )

    assert payload.findtext("LearnerRecordCount") == "2"
    assert payload.findtext("OrgEmail") == "lrs@ao.example"
    assert [learner.findtext("MISIdentifier") for learner in payload.findall("Learner")] == [
        "L-17",
        "L-17",
    ]
    assert [element.tag for element in payload.find("Learner")][:2] == ["MISIdentifier", "ULN"]


def test_a_default_namespace_on_the_wrapper_breaks_the_contract():
    payload = envelopes.verify_learner_request(CREDENTIALS, LEARNER)
    qualified = etree.fromstring(
        etree.tostring(payload)
        .replace(b"rpt:VerifyLearner", b"VerifyLearner")
        .replace(b"xmlns:rpt=", b"xmlns=")
    )

    assert contract_errors(qualified) != []


def test_envelope_is_soap_1_1_with_no_header():
    message = envelope(envelopes.get_verify_batch_output_request(CREDENTIALS, 5))
    root = etree.fromstring(message)

    assert root.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
    assert [etree.QName(element).localname for element in root] == ["Body"]
    assert body_payload(message).findtext("JobID") == "5"


def test_credentials_repr_withholds_the_password():
    assert "secret" not in repr(CREDENTIALS)


def test_verified_learner_answer_is_read_with_its_flags():
    answer = etree.fromstring(
        f"""<rpt:VerifyLearnerResponse xmlns:rpt="{NS_REPORTMSG}"><VerifiedLearner>
        <SearchedULN>9276308686</SearchedULN><SearchedFamilyName>Smith</SearchedFamilyName>
        <SearchedGivenName>Jo</SearchedGivenName><SearchedDateOfBirth>2006-03-27</SearchedDateOfBirth>
        <SearchedGender>2</SearchedGender><ResponseCode>WSVRC005</ResponseCode><ULN>9276308686</ULN>
        <FamilyName>Smyth</FamilyName><GivenName>Joanne</GivenName><DateOfBirth>2006-03-28</DateOfBirth>
        <Gender>2</Gender><FailureFlag>VRF7</FailureFlag><FailureFlag>VRF5</FailureFlag>
        </VerifiedLearner></rpt:VerifyLearnerResponse>"""
    )

    learner = envelopes.verify_learner_answer(answer)

    assert learner.response_code == "WSVRC005"
    assert learner.failure_flags == ("VRF7", "VRF5")
    assert learner.lrs_date_of_birth == datetime.date(2006, 3, 28)
    assert learner.searched.given_name == "Jo"


def test_an_answer_of_the_wrong_operation_is_unexpected():
    with pytest.raises(UnexpectedAnswer):
        envelopes.submit_verify_batch_answer(etree.fromstring(f'<x:Other xmlns:x="{NS_VLDMSG}"/>'))


def test_batch_output_not_ready_has_no_learners():
    output = envelopes.get_verify_batch_output_answer(
        etree.fromstring(
            f'<v:GetVerifyBatchOutputResponse xmlns:v="{NS_VLDMSG}">'
            "<JobStatus>Queued</JobStatus></v:GetVerifyBatchOutputResponse>"
        )
    )

    assert output.ready is False
    assert output.job_status == "Queued"


def test_fault_round_trips_with_its_miap_exception():
    message = fault_envelope(
        SoapFault(
            faultcode="s:Client",
            faultstring="Bad",
            error_code="WSEC0001",
            description="Bad request",
        )
    )

    payload = body_payload(message)
    fault = fault_from_payload(payload)

    assert fault is not None
    assert (fault.error_code, fault.description) == ("WSEC0001", "Bad request")
    assert contract_errors(payload.find(f"detail/{{{NS_MIAP_EXCEPTIONS}}}MIAPAPIException")) == []


def test_r_lrn_7_an_answer_with_a_code_the_portal_does_not_know_is_unexpected_not_stored():
    answer = etree.fromstring(
        f"""<rpt:VerifyLearnerResponse xmlns:rpt="{NS_REPORTMSG}"><VerifiedLearner>
        <SearchedULN>9276308686</SearchedULN><SearchedFamilyName>Smith</SearchedFamilyName>
        <SearchedGivenName>Jo</SearchedGivenName><ResponseCode>WSVRC009</ResponseCode>
        </VerifiedLearner></rpt:VerifyLearnerResponse>"""
    )

    with pytest.raises(UnexpectedAnswer, match="WSVRC009"):
        envelopes.verify_learner_answer(answer)


def test_r_lrn_7_an_answer_with_a_failure_flag_the_portal_does_not_know_is_unexpected():
    answer = etree.fromstring(
        f"""<rpt:VerifyLearnerResponse xmlns:rpt="{NS_REPORTMSG}"><VerifiedLearner>
        <SearchedULN>9276308686</SearchedULN><SearchedFamilyName>Smith</SearchedFamilyName>
        <SearchedGivenName>Jo</SearchedGivenName><ResponseCode>WSVRC005</ResponseCode>
        <FailureFlag>VRF7</FailureFlag><FailureFlag>VRF12</FailureFlag>
        </VerifiedLearner></rpt:VerifyLearnerResponse>"""
    )

    with pytest.raises(UnexpectedAnswer, match="VRF12"):
        envelopes.verify_learner_answer(answer)
