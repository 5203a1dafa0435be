"""Template context shared by every page: the menu the signed-in user may see."""

from django.conf import settings
from django.http import HttpRequest

from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    menu = menu_for(user, request.path) if user is not None and user.is_authenticated else []
    return {
        "main_menu": menu,
        "ao_name": settings.AO_NAME,
        "session_seconds": settings.SESSION_COOKIE_AGE,
    }
