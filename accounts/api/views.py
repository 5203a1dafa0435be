"""`/api/v1/me`: who the token or session belongs to, so an integrator can check their set-up."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User


@extend_schema(
    responses=inline_serializer(
        "Me",
        {
            "username": serializers.CharField(),
            "organisation": serializers.CharField(),
            "roles": serializers.ListField(child=serializers.CharField()),
        },
    )
)
@api_view(["GET"])
def me(request: Request) -> Response:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated has already refused anyone else
    return Response(
        {"username": user.username, "organisation": user.organisation.name, "roles": user.roles}
    )
