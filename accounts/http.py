"""Request types for views that require sign-in, so the user is typed as a portal `User`."""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
