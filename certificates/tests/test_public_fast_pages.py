"""Visitors who are not signed in get the public pages without the template stack, unchanged."""

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from certificates.forms import VerifyForm, verify_query_cleaned

from .factories import CertificateFactory

pytestmark = pytest.mark.django_db


def _full_render_client():
    """A client whose requests take the full template stack (an unreadable messages cookie)."""
    client = Client()
    client.cookies["messages"] = "unreadable"
    return client


def _both(path, data=None):
    fast = Client().get(path, data)
    full = _full_render_client().get(path, data)
    return fast, full


@pytest.mark.parametrize("token_of", ["issued", "unknown"])
def test_the_qr_page_is_the_same_as_a_full_render(token_of):
    certificate = CertificateFactory()
    token = certificate.qr_token if token_of == "issued" else "x" * 43
    path = reverse("certificates:check_by_token", args=[token])
    Client().get(path)  # the answer is kept; both then answer from the cache

    fast, full = _both(path)

    assert fast.status_code == full.status_code
    assert fast.content.decode() == full.content.decode()
    assert fast["Vary"] == full["Vary"]
    assert fast["Cache-Control"] == full["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "name",
    [
        "ada lovelace",
        "  ADA   Lovelace ",
        'Wrong <script>alert("x")</script> & Name',
        "\ue000number\ue000",  # what the page's own markers look like
    ],
)
def test_the_check_page_is_the_same_as_a_full_render_and_keeps_what_was_typed(name):
    certificate = CertificateFactory(learner_name="Ada Lovelace")
    data = {"name": name, "number": certificate.display_number.lower()}

    fast, full = _both(reverse("certificates:verify"), data)

    assert fast.status_code == full.status_code == 200
    assert fast.content.decode() == full.content.decode()
    assert "<script>" not in fast.content.decode()


def test_the_throttled_check_page_is_the_same_as_a_full_render(settings):
    settings.CERTIFICATE_CHECK_LIMIT_PER_ADDRESS = (0, 60)
    certificate = CertificateFactory()

    fast, full = _both(reverse("certificates:check_by_token", args=[certificate.qr_token]))

    assert fast.status_code == full.status_code == 429
    assert fast.content.decode() == full.content.decode()
    assert fast["Retry-After"] == full["Retry-After"]


@pytest.mark.parametrize(
    "query",
    [
        "name=Ada+Lovelace&number=7KQ4M-2XHPC",
        "name=++Ada++&number=+7kq4m+2xhpc+",
        "name=Ada&number=00000-OOOOO",  # O typed for 0
        "name=&number=7KQ4M-2XHPC",
        "name=+++&number=7KQ4M-2XHPC",
        "name=Ada&number=",
        "name=Ada",
        "number=7KQ4M-2XHPC",
        "name=Ada&number=7KQ4M-2XHPR",  # a wrong check symbol
        "name=Ada&number=7KQ4M-2XHP",
        "name=Ada&number=UUUUU-UUUUU",
        "name=Ada%00Lovelace&number=7KQ4M-2XHPC",
        "name=" + "a" * 301 + "&number=7KQ4M-2XHPC",
        "name=" + "a" * 300 + "&number=7KQ4M-2XHPC",
        "name=Ada&number=7KQ4M" + " " * 20 + "2XHPC",
        "name=Ada&number=7KQ4M" + "-" * 21 + "2XHPC",
        "name=First&name=Second&number=OOOOO-OOOOO&number=7KQ4M%E2%80%902XHPC",
    ],
)
def test_the_check_by_link_is_cleaned_exactly_as_the_form_cleans_it(query):
    data = QueryDict(query)
    form = VerifyForm(data)

    cleaned = verify_query_cleaned(data)

    if form.is_valid():
        assert cleaned == (form.cleaned_data["name"], form.cleaned_data["number"])
    else:
        assert cleaned is None
