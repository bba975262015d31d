"""The public catalogue: procedures (list, search, detail with structured time limits and fees),
agencies and administrative units. No authentication; every answer carries an ETag and
``Cache-Control: public`` so proxies and clients can cache it (If-None-Match → 304)."""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import Field

from motcua.agencies.models import AdministrativeUnit, Agency
from motcua.api.errors import ApiError
from motcua.api.pagination import cacheable, cursor_dump, cursor_load, etag_of, not_modified
from motcua.api.responses import errors
from motcua.api.schemas import (
    AgencyPage,
    ProcedureOut,
    ProcedurePage,
    UnitPage,
)
from motcua.catalogue.models import Procedure, ProcedureVersion, VersionStatus
from motcua.catalogue.selectors import procedure_version_data, procedure_version_for
from motcua.common.text import fold

router = Router(tags=["catalogue"])

Limit = Annotated[int, Field(ge=1, le=200, strict=False)]
Search = Annotated[str, Field(max_length=200)]
CursorText = Annotated[str, Field(max_length=500)]


@router.get(
    "/procedures",
    response={200: ProcedurePage, 304: None, **errors()},
    auth=None,
    summary="Danh mục thủ tục (tìm kiếm, phân trang keyset)",
)
def procedures(
    request: HttpRequest,
    response: HttpResponse,
    q: Search = "",
    field: Search = "",
    limit: Limit = 50,
    after: CursorText | None = None,
) -> Any:
    """Procedures with a published version, by code; ``q`` searches code and name without
    diacritics (``dat dai`` finds *đất đai*)."""
    position = cursor_load("procedure", after)
    qs = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
        "procedure", "field"
    )
    for word in fold(q).split():
        qs = qs.filter(search_key__contains=word)
    if field:
        qs = qs.filter(field__name=field)
    if position is not None:
        qs = qs.filter(procedure__code__gt=str(position))
    rows = list(qs.order_by("procedure__code")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    data = {
        "items": [
            {
                "code": v.procedure.code,
                "name": v.name,
                "version": v.number,
                "field": v.field.name,
                "level": v.level or None,
                "online_level": v.online_level,
                "needs_review": v.needs_review,
            }
            for v in rows
        ],
        "next": cursor_dump("procedure", rows[-1].procedure.code) if more and rows else None,
    }
    return _cached(request, response, data)


def _cached(request: HttpRequest, response: HttpResponse, data: dict[str, Any]) -> Any:
    tag = etag_of(data)
    unchanged = not_modified(request, tag)
    if unchanged is not None:
        return unchanged
    cacheable(response, tag)
    return data


@router.get(
    "/procedures/{code}",
    response={200: ProcedureOut, 304: None, **errors()},
    auth=None,
    summary="Chi tiết thủ tục: thời hạn, phí, lệ phí, thành phần hồ sơ, quy trình",
)
def procedure(request: HttpRequest, response: HttpResponse, code: str) -> Any:
    """The version in effect today (structured time limits per channel and fees)."""
    found = Procedure.objects.filter(code=code.strip()[:40]).first()
    version = procedure_version_for(found) if found is not None else None
    if version is None:
        raise ApiError(404, "procedure_not_found")
    return _cached(request, response, procedure_version_data(version))


@router.get(
    "/agencies",
    response={200: AgencyPage, 304: None, **errors()},
    auth=None,
    summary="Cơ quan, đơn vị (mã định danh điện tử)",
)
def agencies(
    request: HttpRequest,
    response: HttpResponse,
    q: Search = "",
    limit: Limit = 100,
    after: CursorText | None = None,
) -> Any:
    position = cursor_load("agency", after)
    qs = Agency.objects.select_related("parent", "unit")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if position is not None:
        qs = qs.filter(code__gt=str(position))
    rows = list(qs.order_by("code")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    data = {
        "items": [
            {
                "code": a.code,
                "name": a.name,
                "short_name": a.short_name,
                "kind": a.kind,
                "parent": a.parent.code if a.parent else None,
                "unit": a.unit.code if a.unit else None,
                "address": a.address,
                "phone": a.phone,
                "email": a.email,
            }
            for a in rows
        ],
        "next": cursor_dump("agency", rows[-1].code) if more and rows else None,
    }
    return _cached(request, response, data)


@router.get(
    "/units",
    response={200: UnitPage, 304: None, **errors()},
    auth=None,
    summary="Đơn vị hành chính (mã TCTK)",
)
def units(
    request: HttpRequest,
    response: HttpResponse,
    parent: Annotated[str, Field(max_length=5)] = "",
    level: Annotated[str, Field(max_length=10)] = "",
    limit: Limit = 200,
    after: CursorText | None = None,
) -> Any:
    position = cursor_load("unit", after)
    qs = AdministrativeUnit.objects.select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level:
        qs = qs.filter(level=level)
    if position is not None:
        qs = qs.filter(code__gt=str(position))
    rows = list(qs.order_by("code")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    data = {
        "items": [
            {
                "code": u.code,
                "name": u.name,
                "level": u.level,
                "division_type": u.division_type,
                "parent": u.parent.code if u.parent else None,
            }
            for u in rows
        ],
        "next": cursor_dump("unit", rows[-1].code) if more and rows else None,
    }
    return _cached(request, response, data)
