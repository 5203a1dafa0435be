"""Fee income from replacement certificates (R-CRT-6: a replacement is charged and its fee
recorded), for AO staff: per provider, per month and certificate by certificate."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Certificate


def pounds(pence: int) -> str:
    """£1,234.50 from 123450."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def academic_year_start(day: datetime.date) -> datetime.date:
    """1 August of the academic year `day` is in (R-CRT-7's academic year, 1 Aug - 31 Jul)."""
    return datetime.date(day.year if day.month >= 8 else day.year - 1, 8, 1)


@dataclass(frozen=True)
class FeeLine:
    label: str
    count: int
    pence: int

    @property
    def amount(self) -> str:
        return pounds(self.pence)


@dataclass(frozen=True)
class ReplacementFeeIncome:
    date_from: datetime.date
    date_to: datetime.date
    total: FeeLine
    by_provider: list[FeeLine]
    by_month: list[FeeLine]


def replacements_issued(
    *, date_from: datetime.date, date_to: datetime.date
) -> QuerySet[Certificate]:
    """Replacement certificates issued between the two dates, both inclusive, oldest first."""
    return (
        Certificate.objects.filter(
            replaces__isnull=False,
            issued_at__date__gte=date_from,
            issued_at__date__lte=date_to,
        )
        .select_related("provider__organisation", "replaces")
        .order_by("issued_at", "pk")
    )


def replacement_fee_income(
    *, date_from: datetime.date, date_to: datetime.date
) -> ReplacementFeeIncome:
    replacements = replacements_issued(date_from=date_from, date_to=date_to)
    totals = replacements.aggregate(count=Count("pk"), pence=Sum("replacement_fee_pence"))
    by_provider = [
        FeeLine(
            f"{row['provider__organisation__name']} ({row['provider__centre_number']})",
            row["count"],
            row["pence"] or 0,
        )
        for row in replacements.order_by()
        .values("provider__organisation__name", "provider__centre_number")
        .annotate(count=Count("pk"), pence=Sum("replacement_fee_pence"))
        .order_by("provider__organisation__name")
    ]
    tz = timezone.get_current_timezone()
    by_month = [
        FeeLine(f"{row['month']:%B %Y}", row["count"], row["pence"] or 0)
        for row in replacements.order_by()
        .annotate(month=TruncMonth("issued_at", tzinfo=tz))
        .values("month")
        .annotate(count=Count("pk"), pence=Sum("replacement_fee_pence"))
        .order_by("month")
    ]
    return ReplacementFeeIncome(
        date_from=date_from,
        date_to=date_to,
        total=FeeLine("Total", totals["count"] or 0, totals["pence"] or 0),
        by_provider=by_provider,
        by_month=by_month,
    )
