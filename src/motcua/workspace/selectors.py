"""Reads of the workspace: worklists by box, the dossier page, procedure search and applicant
look-up. Worklists start from the officer's scope (``dossiers.access.officer_scope``) and are
keyset-paginated by (due moment, id) with ``dossiers.selectors.Cursor``: page 1 000 costs what
page 1 costs; the indexes behind them are listed in docs/workspace.md."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from motcua.accounts.access import memberships_of
from motcua.accounts.roles import Role
from motcua.catalogue.models import Channel, Fee, ProcedureVersion
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.text import fold
from motcua.dossiers import access
from motcua.dossiers.access import officer_scope
from motcua.dossiers.errors import DossierNotFound
from motcua.dossiers.models import (
    RUNNING_STATUSES,
    Applicant,
    ApplicantKind,
    Consultation,
    Dossier,
    PartnerTask,
)
from motcua.dossiers.selectors import Cursor, dossier_detail
from motcua.dossiers.workflow import Action, DossierStatus, allowed_actions
from motcua.workspace.models import (
    FeeCollection,
    HandoverMethod,
    ResultDocument,
    ResultHandover,
)

S = DossierStatus

PAGE_SIZE = 50


@dataclass(frozen=True)
class Box:
    """One worklist (hộp công việc): the statuses it holds and whose agency counts."""

    slug: str
    label: str | Promise
    statuses: tuple[str, ...] = ()
    roles: frozenset[Role] = frozenset()
    #: "current" — the agency holding the dossier; "receiving" — the one-stop unit.
    agency_field: str = "current"
    channel: str = ""
    mine: bool = False


_RECEPTION = frozenset({Role.RECEPTION_OFFICER, Role.CENTER_DIRECTOR})
_DEPARTMENT = frozenset({Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.AGENCY_LEADER})
_ALL = _RECEPTION | _DEPARTMENT | {Role.AUDITOR}

BOXES: tuple[Box, ...] = (
    Box(
        "truc-tuyen",
        _("Hồ sơ trực tuyến chờ tiếp nhận"),
        (S.SUBMITTED,),
        _RECEPTION,
        "receiving",
        channel=Channel.ONLINE,
    ),
    Box("moi-tiep-nhan", _("Mới tiếp nhận, chờ chuyển"), (S.SUBMITTED, S.RECEIVED), _RECEPTION),
    Box(
        "cua-toi",
        _("Được giao cho tôi"),
        tuple(RUNNING_STATUSES),
        frozenset({Role.SPECIALIST}),
        mine=True,
    ),
    Box(
        "dang-xu-ly",
        _("Đang xử lý"),
        (S.AWAITING_ASSIGNMENT, S.APPRAISING, S.CONSULTING, S.AWAITING_PAYMENT),
        _DEPARTMENT | {Role.AUDITOR},
    ),
    Box(
        "cho-duyet",
        _("Chờ phê duyệt, ký"),
        (S.AWAITING_APPROVAL, S.AWAITING_SIGNATURE),
        _DEPARTMENT | {Role.AUDITOR},
    ),
    Box(
        "bo-sung",
        _("Yêu cầu bổ sung"),
        (S.SUPPLEMENT_REQUESTED_AT_RECEPTION, S.SUPPLEMENT_REQUESTED),
        _ALL,
        "receiving",
    ),
    Box(
        "cho-tra",
        _("Kết quả chờ trả"),
        (S.RESOLVED, S.REFUSED_AFTER_APPRAISAL),
        _RECEPTION,
        "receiving",
    ),
    Box("sap-den-han", _("Sắp đến hạn (2 ngày)"), tuple(RUNNING_STATUSES), _ALL, "any"),
    Box("qua-han", _("Quá hạn"), tuple(RUNNING_STATUSES), _ALL, "any"),
    Box("lien-thong", _("Liên thông"), (S.AT_PARTNER_AGENCIES,), _ALL, "any"),
)
BOX_BY_SLUG = {b.slug: b for b in BOXES}

_LIST_RELATED = ("procedure_version__procedure", "current_agency", "applicant", "assigned_to")


@dataclass
class OfficerContext:
    """The officer's memberships of today (one query), reused by every read of a request."""

    agency_ids: list[int]
    roles: set[Role]
    roles_by_agency: dict[int, set[Role]] = field(default_factory=dict)


def officer_context(user: Any) -> OfficerContext:
    rows = list(memberships_of(user).values_list("agency_id", "role"))
    by_agency: dict[int, set[Role]] = {}
    for agency_id, role in rows:
        by_agency.setdefault(agency_id, set()).add(Role(role))
    roles = {r for rs in by_agency.values() for r in rs}
    ids = [a for a, rs in by_agency.items() if rs - {Role.ADMINISTRATOR}]
    return OfficerContext(agency_ids=sorted(ids), roles=roles, roles_by_agency=by_agency)


def boxes_for(ctx: OfficerContext) -> list[Box]:
    return [b for b in BOXES if b.roles & ctx.roles]


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: str = ""
    procedure: str = ""
    channel: str = ""


_CODE = re.compile(r"^[0-9A-Za-z.]+-\d{6}-\d{4,}$")
_TRACKING = re.compile(r"/tra-cuu/([^/?#]+)/?")


def normalise_query(text: str) -> str:
    """A search text as typed or scanned: a tracking URL from a QR code gives its code."""
    text = text.strip()
    found = _TRACKING.search(text)
    return found.group(1) if found else text


def _search(qs: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    text = normalise_query(text)
    if not text:
        return qs
    if _CODE.match(text):
        return qs.filter(code=text)  # unique index
    for word in fold(text).split()[:6]:
        # A join checked row by row as the box is read in due order (its index), stopping at
        # the page's 50 rows: at 1 M dossiers 13.6–17.8 ms median (docs/benchmarks.md). Asking
        # the applicants first through the trigram index was measured at 463–621 ms there — a
        # common name word ("nguyen", "thi") matches a large share of the applicants.
        qs = qs.filter(Q(code__icontains=word) | Q(applicant__search_key__contains=word))
    return qs


def worklist(
    user: Any,
    ctx: OfficerContext,
    box: Box,
    *,
    filters: Filters = Filters(),
    after: Cursor | None = None,
    at: dt.datetime | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Dossier], Cursor | None]:
    """One page of a box, soonest due first (NULLS LAST, then id), and the cursor of the next
    page (``None`` on the last one). One query."""
    qs = worklist_queryset(user, ctx, box, filters=filters, after=after, at=at)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = Cursor(rows[-1].due_at, rows[-1].pk) if more and rows else None
    return rows, cursor


def worklist_queryset(
    user: Any,
    ctx: OfficerContext,
    box: Box,
    *,
    filters: Filters = Filters(),
    after: Cursor | None = None,
    at: dt.datetime | None = None,
) -> QuerySet[Dossier]:
    """The query of :func:`worklist`, ordered, before the page is cut."""
    moment = at or timezone.now()
    ids = ctx.agency_ids
    qs: QuerySet[Dossier]
    if box.mine:
        qs = Dossier.objects.filter(assigned_to=user)
    elif box.agency_field == "receiving":
        qs = Dossier.objects.filter(receiving_agency_id__in=ids)
    elif box.agency_field == "current":
        qs = Dossier.objects.filter(Q(current_agency_id__in=ids) | Q(assigned_to=user))
    else:
        qs = Dossier.objects.filter(officer_scope(user, ids))
    statuses = list(box.statuses)
    if filters.status and filters.status in statuses:
        statuses = [filters.status]
    qs = qs.filter(status__in=statuses)
    if box.channel:
        qs = qs.filter(channel=box.channel)
    elif filters.channel in Channel.values:
        qs = qs.filter(channel=filters.channel)
    if box.slug == "sap-den-han":
        qs = qs.filter(due_at__gte=moment, due_at__lt=moment + dt.timedelta(days=2))
    elif box.slug == "qua-han":
        qs = qs.filter(due_at__lt=moment)
    if filters.procedure:
        qs = qs.filter(procedure_version__procedure__code=filters.procedure.strip())
    qs = _search(qs, filters.q)
    if after is not None:
        if after.due_at is None:
            qs = qs.filter(due_at__isnull=True, id__gt=after.id)
        else:
            qs = qs.filter(
                Q(due_at__gt=after.due_at)
                | Q(due_at=after.due_at, id__gt=after.id)
                | Q(due_at__isnull=True)
            )
    return qs.order_by(F("due_at").asc(nulls_last=True), "id").select_related(*_LIST_RELATED)


def cursor_text(cursor: Cursor | None) -> str:
    if cursor is None:
        return ""
    due = cursor.due_at.isoformat() if cursor.due_at else "-"
    return f"{due}_{cursor.id}"


def cursor_parse(text: str) -> Cursor | None:
    """The cursor from the ``sau`` query parameter; a malformed one is ignored (page 1)."""
    if not text or "_" not in text:
        return None
    due, _, ident = text.rpartition("_")
    try:
        moment = None if due == "-" else dt.datetime.fromisoformat(due)
        if moment is not None and timezone.is_naive(moment):
            return None
        return Cursor(moment, int(ident))
    except ValueError:
        return None


# --- the dossier page -------------------------------------------------------------------------


@dataclass
class DossierPage:
    dossier: Dossier
    actions: list[Action]
    results: list[ResultDocument]
    fees: list[FeeCollection]
    handovers: list[ResultHandover]


def dossier_page(user: Any, ctx: OfficerContext, code: str) -> DossierPage:
    """Everything the dossier page shows, in a bounded number of queries (the engine's
    ``dossier_detail`` — which audits the personal-data read — plus three small lists).
    Out of scope → ``DossierNotFound`` (the page answers 404)."""
    dossier = dossier_detail(user, code, purpose="xem hồ sơ tại không gian làm việc")
    ids = {
        dossier.receiving_agency_id,
        dossier.current_agency_id,
        dossier.competent_agency_id,
        dossier.lead_agency_id,
    }
    roles = {r for a in ids if a for r in ctx.roles_by_agency.get(a, set())}
    actions: list[Action] = []
    for role in roles:
        for action in allowed_actions(S(dossier.status), role):
            if action not in actions:
                actions.append(action)
    actions.sort(key=list(Action).index)
    return DossierPage(
        dossier=dossier,
        actions=actions,
        results=list(ResultDocument.objects.filter(dossier=dossier).order_by("-id")),
        fees=list(FeeCollection.objects.filter(dossier=dossier)),
        handovers=list(ResultHandover.objects.filter(dossier=dossier).select_related("delivery")),
    )


def awaiting_postal_delivery(page: DossierPage) -> bool:
    """The last handover went by post and the operator has not confirmed its delivery yet."""
    if not page.handovers:
        return False
    last = page.handovers[-1]
    return last.method == HandoverMethod.POST and not hasattr(last, "delivery")


# --- counter intake ---------------------------------------------------------------------------


def procedure_search(
    text: str, *, at: dt.datetime | None = None, limit: int = 20
) -> list[ProcedureVersion]:
    """Published versions in force whose code or name matches every word of ``text``, without
    diacritics: "dang ky tam tru" finds "Đăng ký tạm trú"."""
    words = fold(text).split()
    if not words:
        return []
    day = timezone.localdate(at) if at else timezone.localdate()
    qs = ProcedureVersion.objects.filter(status__in=("published",), effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    for word in words[:8]:
        qs = qs.filter(search_key__contains=word)
    return list(qs.select_related("procedure").order_by("procedure__code")[:limit])


def version_in_force(code: str, at: dt.datetime | None = None) -> ProcedureVersion | None:
    from motcua.catalogue.models import Procedure

    procedure = Procedure.objects.filter(code=code.strip()).first()
    if procedure is None:
        return None
    return procedure_version_for(procedure, at)


def applicant_lookup(personal_id: str = "", enterprise_code: str = "") -> Applicant | None:
    """A returning applicant, by personal ID or enterprise code (NĐ 118/2025 Điều 17 khoản 1
    điểm a), to prefill the intake form."""
    if personal_id.strip():
        return Applicant.objects.filter(
            kind=ApplicantKind.PERSON, personal_id=personal_id.strip()
        ).first()
    if enterprise_code.strip():
        return Applicant.objects.filter(
            kind=ApplicantKind.ORGANISATION, enterprise_code=enterprise_code.strip()
        ).first()
    return None


def fees_for(version: ProcedureVersion, channel: str) -> list[Fee]:
    return list(version.fees.filter(channel=channel).order_by("order"))


# --- the Center director's floor view ---------------------------------------------------------


@dataclass
class FloorView:
    received_by_officer: list[dict[str, Any]]
    received_by_agency: list[dict[str, Any]]
    online_waiting: int
    due_today: int
    due_tomorrow: int
    overdue: list[dict[str, Any]]


def floor_today(ctx: OfficerContext, *, at: dt.datetime | None = None) -> FloorView:
    """The Center's floor today (giám đốc Trung tâm): receptions per counter officer and per
    competent agency, online dossiers waiting, what comes due today and tomorrow, and what is
    overdue at which step and agency. Aggregates over the register index."""
    from django.db.models import Count

    from motcua.dossiers.models import DossierEvent

    moment = timezone.localtime(at or timezone.now())
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = start + dt.timedelta(days=1)
    after_tomorrow = start + dt.timedelta(days=2)
    ids = ctx.agency_ids
    received = Dossier.objects.filter(receiving_agency_id__in=ids, received_at__gte=start)
    by_agency = list(
        received.values("competent_agency__name").annotate(n=Count("id")).order_by("-n")
    )
    by_officer = list(
        DossierEvent.objects.filter(
            action="accept", at__gte=start, dossier__receiving_agency_id__in=ids
        )
        .values("actor_label")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    scope = Dossier.objects.filter(receiving_agency_id__in=ids)
    running = scope.filter(status__in=RUNNING_STATUSES)
    overdue = list(
        running.filter(due_at__lt=moment)
        .values("current_agency__name", "status")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    labels = dict(DossierStatus.choices)
    for row in overdue:
        row["status_label"] = labels.get(row["status"], row["status"])
    return FloorView(
        received_by_officer=by_officer,
        received_by_agency=by_agency,
        online_waiting=scope.filter(status=S.SUBMITTED, channel=Channel.ONLINE).count(),
        due_today=running.filter(due_at__gte=moment, due_at__lt=tomorrow).count(),
        due_tomorrow=running.filter(due_at__gte=tomorrow, due_at__lt=after_tomorrow).count(),
        overdue=overdue,
    )


# --- consulted and partner agencies -------------------------------------------------------------


@dataclass
class PartnerWork:
    """The worklist "Xin ý kiến / phối hợp" of a consulted or partner agency."""

    consultations: list[Consultation]
    tasks: list[PartnerTask]
    answered: list[Consultation]


_PARTNER_RELATED = (
    "dossier__procedure_version__procedure",
    "dossier__competent_agency",
    "agency",
)


def partner_work(user: Any, ctx: OfficerContext, *, limit: int = PAGE_SIZE) -> PartnerWork:
    """Consultations addressed to the officer's agencies still to answer and parts of
    inter-agency dossiers still to do, soonest deadline first, and the last answers given
    (scoped by ``access.consultations_for_officer`` / ``partner_tasks_for_officer``). Three
    queries; the open consultations use the partial index ``dossiers_consult_open``."""
    consultations = access.consultations_for_officer(user, ctx.agency_ids)
    open_ = consultations.filter(answered_at__isnull=True).order_by("due_at", "id")
    done = consultations.filter(answered_at__isnull=False).order_by("-answered_at", "-id")
    tasks = (
        access.partner_tasks_for_officer(user, ctx.agency_ids)
        .filter(completed_at__isnull=True)
        .order_by("due_at", "id")
    )
    return PartnerWork(
        consultations=list(open_.select_related(*_PARTNER_RELATED)[:limit]),
        tasks=list(tasks.select_related(*_PARTNER_RELATED)[:limit]),
        answered=list(done.select_related(*_PARTNER_RELATED)[:10]),
    )


def consultation_for(user: Any, ctx: OfficerContext, pk: int) -> Consultation:
    """A consultation addressed to one of the officer's agencies, else ``DossierNotFound``."""
    row = (
        access.consultations_for_officer(user, ctx.agency_ids)
        .select_related(*_PARTNER_RELATED, "answered_by")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise DossierNotFound()
    return row


def partner_task_for(user: Any, ctx: OfficerContext, pk: int) -> PartnerTask:
    """A part of an inter-agency dossier handed to one of the officer's agencies, else
    ``DossierNotFound``."""
    row = (
        access.partner_tasks_for_officer(user, ctx.agency_ids)
        .select_related(*_PARTNER_RELATED)
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise DossierNotFound()
    return row


def consultation_readable(user: Any, ctx: OfficerContext, pk: int) -> Consultation:
    """A consultation for its consulted agency or for anyone whose scope holds its dossier (the
    agency that asked reads the written opinion); else ``DossierNotFound``."""
    row = Consultation.objects.filter(pk=pk).filter(
        Q(agency_id__in=ctx.agency_ids)
        | Q(dossier__in=Dossier.objects.filter(officer_scope(user, ctx.agency_ids)))
    )
    found = row.first() if user.is_authenticated and user.is_active else None
    if found is None:
        raise DossierNotFound()
    return found
