"""Site-wide pages that belong to no domain: the home page and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "common/home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and operators."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
