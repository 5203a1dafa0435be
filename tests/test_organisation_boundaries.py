"""R-ACC-6: a provider's users reach only their own provider's records, whatever the URL says.

Every URL that takes an object identifier must be listed in OBJECT_URLS, with a way to make such an
object belonging to another provider, or in NOT_PROVIDER_SCOPED with the reason. A new object page
or API endpoint that is in neither list fails `test_every_object_url_is_checked`.
"""

from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.api_tokens import api_token_create
from accounts.roles import PROVIDER_ROLES
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from providers.models import Provider
from providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

ObjectMaker = Callable[[Provider], dict[str, object]]


def _user_of(provider: Provider) -> dict[str, object]:
    return {"pk": UserFactory(organisation=provider.organisation).pk}


def _api_token_of(provider: Provider) -> dict[str, object]:
    token, _ = api_token_create(user=UserFactory(organisation=provider.organisation), name="MIS")
    return {"pk": token.pk}


# url name -> how to make an object of that kind that belongs to `provider`.
OBJECT_URLS: dict[str, ObjectMaker] = {
    "accounts:user_detail": _user_of,
    "accounts:user_edit": _user_of,
    "accounts:user_suspend": _user_of,
    "accounts:user_reinstate": _user_of,
    "accounts:user_delete": _user_of,
    "accounts:user_welcome_resend": _user_of,
    "accounts:user_second_factor_reset": _user_of,
    "accounts:api_token_revoke": _api_token_of,
}

# URLs that take an identifier but are not a provider's records, and why.
NOT_PROVIDER_SCOPED = {
    "accounts:password_reset_confirm": "a signed single-use link, not a record",
    "accounts:welcome": "a signed single-use link, not a record",
    "accounts:email_confirm": "a signed link, not a record",
}


def _walk(patterns: list, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _object_url_names() -> set[str]:
    names = set()
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or not pattern.pattern.converters:
            continue
        names.add(name)
    return names


def test_every_object_url_is_checked():
    unchecked = _object_url_names() - set(OBJECT_URLS) - set(NOT_PROVIDER_SCOPED)
    assert not unchecked, f"add these to OBJECT_URLS or NOT_PROVIDER_SCOPED: {sorted(unchecked)}"


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_r_acc_6_a_user_of_another_provider_gets_404(client, url_name):
    owner = ProviderFactory()
    outsider = UserFactory(
        organisation=ProviderFactory().organisation, roles=sorted(PROVIDER_ROLES)
    )
    url = reverse(url_name, kwargs=OBJECT_URLS[url_name](owner))
    sign_in(client, outsider)

    assert client.get(url).status_code in {404, 405}
    assert client.post(url).status_code == 404
