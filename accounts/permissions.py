"""Server-side enforcement of capabilities (R-ACC-5) for views and API endpoints."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

ViewFunction = Callable[..., HttpResponseBase]


def capability_required(
    *capabilities: str, ao_only: bool = False
) -> Callable[[ViewFunction], ViewFunction]:
    """The signed-in user must hold every named capability (and be AO staff if `ao_only`)."""

    def decorator(view: ViewFunction) -> ViewFunction:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if ao_only and not user.is_ao_staff:  # type: ignore[union-attr]
                raise PermissionDenied
            if not all(user.can(c) for c in capabilities):  # type: ignore[union-attr]
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CapabilityMixin:
    """For class-based views: set `required_capabilities` (and `ao_only`)."""

    required_capabilities: tuple[str, ...] = ()
    ao_only: bool = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if self.ao_only and not user.is_ao_staff:
            raise PermissionDenied
        if not all(user.can(c) for c in self.required_capabilities):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class HasCapability(BasePermission):
    """DRF permission: the view sets `required_capabilities`, optionally per method."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        per_method: dict[str, tuple[str, ...]] = getattr(
            view, "required_capabilities_by_method", {}
        )
        needed = per_method.get(request.method or "GET", getattr(view, "required_capabilities", ()))
        return all(user.can(c) for c in needed)
