import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_is_the_sign_in_page_for_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("identifier", ["user.signin", "SignIn@College.example"])
def test_a_user_signs_in_with_user_name_or_email(client, identifier):
    UserFactory(username="user.signin", email="signin@college.example")
    response = client.post(
        reverse("accounts:login"), {"username": identifier, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_a_wrong_password_shows_a_message_and_keeps_the_user_name(client):
    UserFactory(username="user.wrong")
    response = client.post(
        reverse("accounts:login"), {"username": "user.wrong", "password": "not-it"}
    )
    assert response.status_code == 200
    assert "The user name or password is not right" in response.content.decode()
    assert 'value="user.wrong"' in response.content.decode()


def test_r_acc_3_a_suspended_user_cannot_sign_in(client):
    UserFactory(username="user.suspended", status="suspended")
    response = client.post(
        reverse("accounts:login"), {"username": "user.suspended", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_dashboard_needs_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="reset.me@college.example")
    client.post(reverse("accounts:password_reset"), {"email": "Reset.Me@college.example"})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0]
    new_password = "a-brand-new-long-password"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    user.refresh_from_db()
    assert user.check_password(new_password)


def test_sign_out_is_a_post_and_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard")).status_code == 302
