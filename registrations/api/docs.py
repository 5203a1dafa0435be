"""Browsable API documentation at /api/docs/, rendered on the server from the OpenAPI schema.

drf-spectacular's Swagger UI and Redoc views load their JavaScript from a CDN (the sidecar
package that bundles them is not installed), and the portal serves no asset from elsewhere, so
this page lists the same schema's endpoints, parameters and fields as plain accessible HTML."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = schema.get("components", {}).get("schemas", {}).get(name, {})
    return resolved


def _fields(schema: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    body = _resolve(schema, body)
    required = set(body.get("required", []))
    fields = []
    for name, prop in body.get("properties", {}).items():
        prop = _resolve(schema, prop) if "$ref" in prop else prop
        kind = prop.get("type") or ("choice" if "enum" in prop or "allOf" in prop else "")
        if prop.get("format"):
            kind = f"{kind} ({prop['format']})"
        fields.append(
            {
                "name": name,
                "type": kind or "object",
                "required": name in required,
                "read_only": prop.get("readOnly", False),
                "description": prop.get("description", ""),
                "choices": ", ".join(str(v) for v in prop.get("enum", []) if v not in ("", None)),
            }
        )
    return fields


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not operation:
                continue
            body = (
                operation.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
            )
            operations.append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                            "type": p.get("schema", {}).get("type", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "fields": _fields(schema, body) if body else [],
                    "responses": sorted(operation.get("responses", {}).keys()),
                }
            )
    return operations


@login_required
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "registrations/api_docs.html",
        {"info": schema.get("info", {}), "operations": _operations(schema)},
    )
