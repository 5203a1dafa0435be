"""The dashboard's panel of course runs a verifier has queried, waiting for the centre."""

from __future__ import annotations

from typing import Any

from django import template

from results.selectors import open_queries_for

register = template.Library()


@register.inclusion_tag("results/_dashboard_queries.html")
def results_queries_panel(user: Any) -> dict[str, Any]:
    if not user.is_authenticated or user.is_ao_staff:
        return {"queried": []}
    return {"queried": list(open_queries_for(user=user)[:20])}
