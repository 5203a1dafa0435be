import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.api_tokens import ApiToken
from accounts.models import User
from accounts.services import api_token_create, api_token_revoke
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import sign_in
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_personal_token_authenticates_api_calls_as_its_owner():
    user = UserFactory(username="mis.owner")
    _, raw = api_token_create(user=user, name="College MIS")
    response = _bearer(raw).get(reverse("api_me"))
    assert response.status_code == 200
    assert response.json()["username"] == "mis.owner"


def test_only_a_digest_of_the_token_is_stored():
    _, raw = api_token_create(user=UserFactory(), name="College MIS")
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert raw not in str(list(ApiToken.objects.values()))


def test_a_revoked_token_is_refused_with_a_clear_message():
    user = UserFactory()
    token, raw = api_token_create(user=user, name="College MIS")
    api_token_revoke(token=token, acting_user=user)
    response = _bearer(raw).get(reverse("api_me"))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_r_acc_3_a_suspended_users_token_stops_working():
    user = UserFactory()
    _, raw = api_token_create(user=user, name="College MIS")
    User.objects.filter(pk=user.pk).update(status=User.Status.SUSPENDED)
    assert _bearer(raw).get(reverse("api_me")).status_code == 401


def test_a_malformed_authorization_header_is_explained():
    response = _bearer("not-a-token").get(reverse("api_me"))
    assert response.status_code == 401
    assert "Bearer <token>" in response.json()["detail"]


def test_tokens_are_made_and_revoked_on_the_account_page_and_audited(client):
    user = UserFactory()
    sign_in(client, user)
    page = client.post(reverse("accounts:api_tokens"), {"name": "Student records"}).content.decode()
    token = ApiToken.objects.get(user=user)
    assert "Copy it now" in page and token.hint in page

    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert not token.is_active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"api_token.create", "api_token.revoke"} <= actions


def test_a_token_without_a_name_is_refused_at_the_field(client):
    sign_in(client, UserFactory())
    page = client.post(reverse("accounts:api_tokens"), {"name": "  "}).content.decode()
    assert "Give the token a name" in page
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(client):
    token, _ = api_token_create(user=UserFactory(), name="Theirs")
    sign_in(client, UserFactory())
    assert client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
