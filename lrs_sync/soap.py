"""SOAP 1.1 as the LRS speaks it: envelopes, faults and validation against the portal's LRS XSD.

Both sides use this module: the client (`lrs_sync.client`) to wrap what it sends, and the sandpit
(`lrs_sandpit`) to check what it receives and to answer. The operations' own elements are built
and read in `lrs_sync.envelopes` (client side) and `lrs_sandpit.soap_service` (sandpit side).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# LearnerService: one namespace per family of operations; children are unqualified.
NS_LEARNER = "http://api.lrs.miap.gov.uk/learner"
NS_REPORTMSG = "http://api.lrs.miap.gov.uk/reportmsg"  # verifyLearner
NS_VLDMSG = "http://api.lrs.miap.gov.uk/vldmsg"  # submitVerifyBatch, getVerifyBatchOutput
NS_MIAP_EXCEPTIONS = "http://api.lrs.miap.gov.uk/exceptions"

# ExternalService (achievements): parameters and Achievement fields in .../services, the
# invokingUser fields and the answers' fields in .../model, faults in .../faults.
NS_QCF_SERVICES = "http://api.lrs.qcf.gov.uk/services"
NS_QCF_MODEL = "http://api.lrs.qcf.gov.uk/model"
NS_QCF_FAULTS = "http://api.lrs.qcf.gov.uk/faults"

# LearnerServiceR9 (event data challenges): parameters in tempuri.org, the invoking
# organisation's fields in Amor.Qcf.Common, results in .../model, faults in .../faults.
NS_R9 = "http://tempuri.org/"
NS_AMOR_COMMON = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Common"

CONTENT_TYPE = "text/xml; charset=utf-8"

XSD_PATH = Path(__file__).resolve().parent / "xsd" / "lrs.xsd"

# A request bigger than this is refused before it is parsed (a 10,000-learner batch is ~3 MB).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True, load_dtd=False
)


class SoapMessageError(ValueError):
    """The message is not a SOAP 1.1 envelope the contract allows; the text says why."""


@dataclass(frozen=True)
class SoapFault:
    """A SOAP fault as received or to be sent, with the LRS's own detail when there is one."""

    faultcode: str  # "soap:Client" or "soap:Server"
    faultstring: str
    error_code: str = ""
    error_actor: str = ""
    description: str = ""
    further_details: str = ""
    error_timestamp: str = ""


@functools.cache
def contract_schema() -> etree.XMLSchema:
    """The portal's LRS XSD, loaded once."""
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


def contract_errors(payload: etree._Element) -> list[str]:
    """Why `payload` (the element inside soap:Body) breaks the contract; empty when it is valid."""
    schema = contract_schema()
    # lxml validates an element inside an envelope as if it were the document's root.
    if schema.validate(payload):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def envelope(payload: etree._Element) -> bytes:
    """`payload` wrapped in a SOAP 1.1 envelope with no header, as UTF-8 bytes."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    body.append(payload)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def fault_envelope(fault: SoapFault) -> bytes:
    """A SOAP 1.1 fault whose detail is the LearnerService's MIAPAPIException."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"s": SOAP_ENV})
    body = etree.SubElement(root, f"{{{SOAP_ENV}}}Body")
    soap_fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    # faultcode, faultstring and detail are unqualified in SOAP 1.1.
    etree.SubElement(soap_fault, "faultcode").text = fault.faultcode
    etree.SubElement(soap_fault, "faultstring").text = fault.faultstring
    detail = etree.SubElement(soap_fault, "detail")
    exception = etree.SubElement(
        detail, f"{{{NS_MIAP_EXCEPTIONS}}}MIAPAPIException", nsmap={None: NS_MIAP_EXCEPTIONS}
    )
    for name, value in (
        ("ErrorCode", fault.error_code),
        ("ErrorActor", fault.error_actor),
        ("Description", fault.description),
        ("FurtherDetails", fault.further_details),
        ("ErrorTimestamp", fault.error_timestamp),
    ):
        etree.SubElement(exception, f"{{{NS_MIAP_EXCEPTIONS}}}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def body_payload(message: bytes) -> etree._Element:
    """The single element inside soap:Body of a SOAP 1.1 envelope.

    Raises SoapMessageError when the bytes are not XML, not a SOAP 1.1 envelope, or the body
    does not hold exactly one element.
    """
    if len(message) > MAX_MESSAGE_BYTES:
        raise SoapMessageError(f"The message is larger than {MAX_MESSAGE_BYTES} bytes.")
    try:
        root = etree.fromstring(message, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise SoapMessageError(f"The message is not well-formed XML: {error}") from error
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapMessageError("The message is not a SOAP 1.1 envelope.")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise SoapMessageError("The SOAP envelope has no Body.")
    children = [child for child in body if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SoapMessageError("The SOAP Body must hold exactly one element.")
    return children[0]


def fault_from_payload(payload: etree._Element) -> SoapFault | None:
    """The fault in a response body, or None when the body is not a fault."""
    if payload.tag != f"{{{SOAP_ENV}}}Fault":
        return None
    exception = payload.find(f"detail/{{{NS_MIAP_EXCEPTIONS}}}MIAPAPIException")

    def detail(name: str) -> str:
        if exception is None:
            return ""
        return (exception.findtext(f"{{{NS_MIAP_EXCEPTIONS}}}{name}") or "").strip()

    return SoapFault(
        faultcode=(payload.findtext("faultcode") or "").strip(),
        faultstring=(payload.findtext("faultstring") or "").strip(),
        error_code=detail("ErrorCode"),
        error_actor=detail("ErrorActor"),
        description=detail("Description"),
        further_details=detail("FurtherDetails"),
        error_timestamp=detail("ErrorTimestamp"),
    )


def child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """An unqualified child element, as LearnerService wants every field below its wrapper."""
    element = etree.SubElement(parent, name)
    if text is not None:
        element.text = text
    return element


def text_of(parent: etree._Element, name: str) -> str:
    """The stripped text of an unqualified child, or "" when it is absent or nil."""
    element = parent.find(name)
    if element is None or element.get(f"{{{XSI}}}nil") == "true":
        return ""
    return (element.text or "").strip()


def texts_of(parent: etree._Element) -> dict[str, str]:
    """Every unqualified child's stripped text by name, read in one pass (nil and empty -> "").

    For a repeated child (FailureFlag) the last one wins; read those with findall.
    """
    nil = f"{{{XSI}}}nil"
    return {
        element.tag: "" if element.get(nil) == "true" else (element.text or "").strip()
        for element in parent
        if isinstance(element.tag, str)
    }
