"""The sandpit's three SOAP endpoints share one shape (soap_endpoint.py): POST only, and a
failure inside the sandpit answered as the service's SOAP fault where it has one."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("lrs_sandpit:learner_service", "LearnerService"),
    ("lrs_sandpit:external_service", "ExternalService"),
    ("lrs_sandpit:learner_service_r9", "LearnerServiceR9"),
]


@pytest.mark.parametrize(("url_name", "service"), ENDPOINTS)
def test_a_get_is_told_how_to_call_the_service(client, url_name, service):
    response = client.get(reverse(url_name))

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.content.decode() == (
        f"{service} answers SOAP 1.1 requests sent by POST as text/xml.\n"
    )


def test_a_failure_inside_the_r9_service_is_its_server_fault(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("feed unavailable")

    monkeypatch.setattr("lrs_sandpit.challenge_views.learner_service_r9", broken)

    response = client.post(
        reverse("lrs_sandpit:learner_service_r9"), b"<x/>", content_type="text/xml"
    )

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/xml")
    assert b"EDC009" in response.content
