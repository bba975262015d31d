"""Reads of the portal: the public catalogue and public tracking."""

from __future__ import annotations

import hmac
from typing import Any, cast

from django.db.models import Prefetch, Q, QuerySet

from motcua.agencies.models import Agency
from motcua.catalogue.models import (
    Field,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    TimeLimit,
    VersionStatus,
)
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.errors import NotFound
from motcua.common.sql import Select, Table
from motcua.common.text import fold
from motcua.dossiers.models import Applicant, Dossier, DossierEvent
from motcua.portal.text import last_digits


def catalogue_search(
    *, q: str = "", field: int | None = None, agency: int | None = None, level: str = ""
) -> QuerySet[ProcedureVersion]:
    """Published procedures, filtered. The search folds case and diacritics ("đ" = "d") and
    requires every word anywhere in the code or name, in any order: "giay phep xay dung"
    finds "Cấp giấy phép xây dựng"."""
    qs = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related(
        "procedure", "field"
    )
    for word in fold(q).split()[:12]:
        qs = qs.filter(search_key__contains=word)
    if field:
        qs = qs.filter(field_id=field)
    if agency:
        qs = qs.filter(
            Q(competent_agencies__id=agency) | Q(receiving_agencies__id=agency)
        ).distinct()
    if level in ProcedureLevel.values:
        qs = qs.filter(level=level)
    return qs.order_by("procedure__name", "procedure__code")


def catalogue_facets() -> dict[str, Any]:
    published = ProcedureVersion.objects.filter(status=VersionStatus.PUBLISHED)
    return {
        "fields": Field.objects.filter(versions__in=published).distinct().order_by("name"),
        "agencies": Agency.objects.filter(
            Q(competent_for_versions__in=published) | Q(receiving_for_versions__in=published)
        )
        .distinct()
        .order_by("name"),
        "levels": ProcedureLevel.choices,
    }


def procedure_page(code: str) -> ProcedureVersion:
    """Everything the law requires to be published about one procedure (NĐ 118/2025 Điều 13;
    NĐ 63/2010 Điều 8): the version in effect, else the latest published one."""
    procedure = Procedure.objects.filter(code=code.strip()).first()
    if procedure is None:
        raise NotFound("Không có thủ tục này trong danh mục.")
    version = procedure_version_for(procedure) or (
        procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
    )
    if version is None:
        raise NotFound("Thủ tục chưa được công bố.")
    return (
        ProcedureVersion.objects.select_related("procedure", "field")
        .prefetch_related(
            "channels",
            Prefetch("time_limits", queryset=TimeLimit.objects.order_by("channel", "order")),
            "fees",
            "documents",
            "results",
            "legal_bases",
            "steps",
            "competent_agencies",
            "receiving_agencies",
        )
        .get(pk=version.pk)
    )


#: The columns :func:`tracking_lookup` loads (what the tracking page, its timeline and the
#: kiosk's lookup screen read; anything else would cost one more query).
TRACKING_FIELDS = (
    "code",
    "status",
    "channel",
    "submitted_at",
    "received_at",
    "due_at",
    "original_due_at",
    "decided_at",
    "ended_at",
    "returned_at",
    "procedure_version__name",
    "receiving_agency__name",
    "competent_agency__name",
    "current_agency_id",
    "applicant__kind",
    "applicant__full_name",
    "applicant__organisation_name",
    "applicant__phone",
    "applicant__personal_id",
    "applicant__enterprise_code",
)


# Written only from constants: the code and the dossier id are parameters.
_LOOKUP = Select(
    Table(
        Dossier,
        "d",
        [f for f in TRACKING_FIELDS if "__" not in f]
        + ["procedure_version", "receiving_agency", "competent_agency", "applicant"],
    ),
    [
        ("procedure_version", Table(ProcedureVersion, "v", ["name"])),
        ("receiving_agency", Table(Agency, "r", ["name"])),
        ("competent_agency", Table(Agency, "c", ["name"])),
        (
            "applicant",
            Table(Applicant, "a", [f[11:] for f in TRACKING_FIELDS if f.startswith("applicant__")]),
        ),
    ],
    where="d.code = %s",
)
_EVENTS = Select(
    Table(DossierEvent, "e", ["seq", "at", "action", "to_agency"]),
    [("to_agency", Table(Agency, "t", ["name"]))],
    where="e.dossier_id = %s",
    order="e.seq",
)


def tracking_lookup(code: str, factor: str) -> Dossier | None:
    """The dossier with this code **only** if ``factor`` equals the last 4 digits of the
    applicant's phone number, personal ID or enterprise code; ``None`` otherwise — a missing
    dossier and a wrong factor look the same (the code alone is guessable). One indexed query
    (unique ``code``) plus the events."""
    code = code.strip()[:40]
    factor = "".join(c for c in factor if c.isdigit())
    if not code or len(factor) != 4:
        return None
    # Only the columns the tracking page and the kiosk show, no ORDER BY (the code is unique),
    # written once (``_LOOKUP``): the ORM's query building was most of the page's CPU.
    rows = _LOOKUP.run([code])
    if not rows:
        hmac.compare_digest("0000", factor)  # same work whether or not the code exists
        return None
    dossier = cast(Dossier, rows[0])
    applicant = dossier.applicant
    ok = False
    for value in (applicant.phone, applicant.personal_id, applicant.enterprise_code):
        digits = last_digits(value)
        if digits and hmac.compare_digest(digits, factor):
            ok = True
    return dossier if ok else None


def tracking_events(dossier: Dossier) -> list[DossierEvent]:
    """The events the public timeline reads (``portal.timeline``), oldest first (their
    ``note`` is not loaded: the public page shows no free text)."""
    return cast(list[DossierEvent], _EVENTS.run([dossier.pk]))
