"""GET /api/v1/verify: the public check for machines, with the same rules as /verify/."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.context import client_ip_from_request
from certificates import services
from certificates.models import CertificateCheck

from .serializers import (
    PublicCertificateSerializer,
    VerifyQuerySerializer,
    VerifyResponseSerializer,
)

NO_MATCH = (
    "No certificate matches that name and number. Check both against the certificate: the "
    "name as printed, the number's ten letters and digits."
)


class VerifyView(APIView):
    """Anyone may check; no sign-in, so no session and no CSRF token either."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, description="The learner's name as printed"),
            OpenApiParameter("number", str, description="The certificate number"),
        ],
        responses={200: VerifyResponseSerializer},
        description=(
            "Check a certificate by learner name and number. Name matching ignores case, "
            "accents and spaces. Throttled per client address and per number (HTTP 429)."
        ),
    )
    def get(self, request: Request) -> Response:
        query = VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = services.certificate_check_by_name_and_number(
            learner_name=query.validated_data["name"],
            number=query.validated_data["number"],
            client_address=client_ip_from_request(request._request),
            method=CertificateCheck.Method.API,
        )
        if result.throttled:
            return Response(
                {"matches": False, "detail": result.throttled.message},
                status=429,
                headers={"Retry-After": str(result.throttled.retry_after_seconds)},
            )
        if result.certificate is None:
            return Response({"matches": False, "detail": NO_MATCH, "certificate": None})
        return Response(
            {
                "matches": True,
                "detail": result.certificate.public_status_label,
                "certificate": PublicCertificateSerializer(result.certificate).data,
            }
        )
