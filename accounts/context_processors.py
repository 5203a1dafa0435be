"""Template context shared by every page: the menu the signed-in user may see."""

from django.conf import settings
from django.http import HttpRequest

from .middleware import second_factor_pending
from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    # Until the second factor is entered the menu is empty: it would only lead back to it (R-ACC-6).
    pending = signed_in and second_factor_pending(user)
    menu = menu_for(user, request.path) if user is not None and signed_in and not pending else []
    return {
        "main_menu": menu,
        "second_factor_pending": pending,
        "ao_name": settings.AO_NAME,
        "session_seconds": settings.SESSION_COOKIE_AGE,
    }
