"""Reads of the sandpit register for its pages."""

from django.core.paginator import Page, Paginator
from django.db.models import Q

from .models import RegisteredLearner


def register_page(*, search: str, page_number: str, per_page: int = 50) -> Page:
    """One page of the register, optionally narrowed to a ULN or a name."""
    learners = RegisteredLearner.objects.select_related("master")
    search = search.strip()
    if search:
        learners = learners.filter(
            Q(uln__startswith=search)
            | Q(given_name__icontains=search)
            | Q(family_name__icontains=search)
            | Q(previous_family_name__icontains=search)
        )
    return Paginator(learners, per_page).get_page(page_number)
