"""No page answers junk in its query string with a server error: every list and report page,
for a provider user and for AO staff, with the filters people and scripts get wrong."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import AO_ROLES, PROVIDER_ROLES
from accounts.tests.factories import AOStaffFactory, UserFactory
from accounts.tests.helpers import sign_in
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

JUNK = {
    "page": "abc",
    "q": "a\x00b",
    "status": "no-such-status",
    "provider": "²",
    "course_run": "²",
    "qualification": "-1",
    "date_from": "31/02/2026",
    "date_to": "yesterday",
    "overdue": "maybe",
    "format": "xml",
    "role": "emperor",
    "actor": "x" * 5000,
}
# Sign-out does something when opened; /healthz answers 503 by design when no worker runs here.
SKIP = {"accounts:logout", "admin:logout", "healthz"}


def _parameterless_page_names() -> list[str]:
    names = []

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
                name = f"{namespace}{entry.name}"
                if not name.startswith("admin:") and name not in SKIP:
                    names.append(name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


@pytest.mark.parametrize("who", ["provider", "ao"])
def test_junk_query_parameters_never_cause_a_server_error(client, who):
    if who == "provider":
        provider = ProviderFactory()
        user = UserFactory(organisation=provider.organisation, roles=sorted(PROVIDER_ROLES))
    else:
        user = AOStaffFactory(roles=sorted(AO_ROLES))
    sign_in(client, user)
    failures = []
    for name in _parameterless_page_names():
        url = reverse(name)
        response = client.get(url, JUNK)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
    assert not failures, failures
