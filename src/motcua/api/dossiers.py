"""Dossier endpoints: submit (with documents), get, list (filtered, keyset), the control sheet,
every lifecycle action through ``motcua.dossiers.services`` (the engine decides what the caller's
role allows), ratings, indicators and the public tracking. A dossier outside the caller's scope
is 404, exactly like a missing one."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import time
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status
from pydantic import Field

from motcua.accounts.models import User
from motcua.accounts.services import client_ip
from motcua.agencies.models import Agency
from motcua.api.auth import AUTH, DossierLookup, Principal
from motcua.api.errors import ApiError
from motcua.api.models import Scope
from motcua.api.pagination import cursor_dump, cursor_load
from motcua.api.responses import errors
from motcua.api.results import result_of, result_out
from motcua.api.schemas import (
    STATUSES,
    ActionIn,
    DocumentIn,
    DossierOut,
    DossierPage,
    DossierSubmitIn,
    IndicatorsOut,
    MeOut,
    Moment,
    RatingIn,
    RatingOut,
    TimelineOut,
    TrackingIn,
    TrackingOut,
)
from motcua.api.services import api_read_record, idempotent
from motcua.audit.services import AuditRecord
from motcua.catalogue.models import Procedure, ProcedureVersion, RequiredDocument
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.sql import Select, Table, column
from motcua.dossiers import services as engine
from motcua.dossiers.errors import DossierInvalid, DossierNotFound
from motcua.dossiers.models import (
    Applicant,
    Consultation,
    Dossier,
    DossierDocument,
    DossierEvent,
)
from motcua.dossiers.national import national_status
from motcua.dossiers.services import ApplicantInput, DocumentInput
from motcua.dossiers.workflow import Action, DossierStatus
from motcua.portal.ratelimit import hit
from motcua.ratings.models import Source
from motcua.ratings.services import rating_record

router = Router(tags=["dossiers"], auth=AUTH)
public = Router(tags=["public"])

MAX_FILE_BYTES = 2 * 1024 * 1024
Code = Annotated[str, Field(min_length=1, max_length=60)]


def _principal(request: HttpRequest) -> Principal:
    auth = getattr(request, "auth", None)
    if not isinstance(auth, Principal):  # pragma: no cover - the router requires auth
        raise ApiError(401, "unauthorized")
    return auth


def _idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key")


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


CHANNEL_CODE = {"direct": 1, "online": 2, "postal": 3}


def dossier_out(
    d: Dossier, *, readable: bool = True, documents: Sequence[DossierDocument] | None = None
) -> dict[str, Any]:
    """The dossier as the API shows it (no personal identifiers: the applicant's name only).
    ``readable``: the caller may read dossiers (the result's download address is shown).
    ``documents``: its documents already read (else ``d.documents.all()``)."""
    return {
        "code": d.code,
        "uuid": str(d.uuid),
        "procedure": d.procedure_version.procedure.code,
        "procedure_version": d.procedure_version.number,
        "status": d.status,
        "status_label": DossierStatus(d.status).label,
        "national_status": d.national_status,
        "channel": d.channel,
        "channel_code": CHANNEL_CODE[d.channel],
        "return_method": d.return_method,
        "receiving_agency": d.receiving_agency.code,
        "competent_agency": d.competent_agency.code,
        "current_agency": d.current_agency.code,
        "submitted_at": _iso(d.submitted_at),
        "received_at": _iso(d.received_at),
        "due_at": _iso(d.due_at),
        "decided_at": _iso(d.decided_at),
        "ended_at": _iso(d.ended_at),
        "returned_at": _iso(d.returned_at),
        "outcome": d.outcome or None,
        "version": d.version,
        "applicant": {"kind": d.applicant.kind, "name": d.applicant.display_name},
        "documents": [
            {
                "name": doc.name,
                "submitted": doc.submitted,
                "form": doc.form,
                "count": doc.count,
                "digitised": bool(doc.file),
                "reused": doc.reused,
                "sha256": doc.sha256 or None,
            }
            for doc in (d.documents.all() if documents is None else documents)
        ],
        "result": result_out(d, readable=readable),
    }


_RELATED = (
    "procedure_version__procedure",
    "receiving_agency",
    "competent_agency",
    "current_agency",
    "applicant",
)


#: ``Principal.dossier(code, related=_RELATED)`` for a client, loading only what
#: :func:`dossier_out`, the audited read and the ETag read (``motcua.common.sql``).
_SHOWN = DossierLookup(
    Table(
        Dossier,
        "d",
        [
            "code",
            "uuid",
            "procedure_version",
            "status",
            "national_status",
            "channel",
            "return_method",
            "receiving_agency",
            "competent_agency",
            "current_agency",
            "submitted_at",
            "received_at",
            "due_at",
            "decided_at",
            "ended_at",
            "returned_at",
            "outcome",
            "version",
            "applicant",
        ],
    ),
    [
        ("procedure_version", Table(ProcedureVersion, "v", ["number", "procedure"])),
        ("procedure_version__procedure", Table(Procedure, "p", ["code"])),
        ("receiving_agency", Table(Agency, "ra", ["code"])),
        ("competent_agency", Table(Agency, "ca", ["code"])),
        ("current_agency", Table(Agency, "cu", ["code"])),
        ("applicant", Table(Applicant, "ap", ["kind", "full_name", "organisation_name"])),
    ],
)
#: ``d.documents.all()`` (ordered by id), the columns :func:`dossier_out` reads.
_DOCUMENTS = Select(
    Table(
        DossierDocument,
        "x",
        ["dossier", "name", "submitted", "form", "count", "file", "reused", "sha256"],
    ),
    where=lambda qn: f"x.{column(DossierDocument, 'dossier', qn)} = %s",
    order="x.id",
)


def _reload(pk: int) -> Dossier:
    return Dossier.objects.select_related(*_RELATED).prefetch_related("documents").get(pk=pk)


def _documents(
    items: Sequence[DocumentIn], required: dict[int, RequiredDocument]
) -> list[DocumentInput]:
    result: list[DocumentInput] = []
    for index, item in enumerate(items):
        spec = None
        if item.required_document is not None:
            spec = required.get(item.required_document)
            if spec is None:
                raise DossierInvalid(
                    f"Thành phần thứ {index + 1}: thủ tục không có giấy tờ số "
                    f"{item.required_document}."
                )
        upload = None
        content_type = ""
        if item.file is not None:
            try:
                raw = base64.b64decode(item.file.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise DossierInvalid(
                    f"Thành phần thứ {index + 1}: nội dung tệp không phải base64 hợp lệ."
                ) from None
            if len(raw) > MAX_FILE_BYTES:
                raise ApiError(413, "payload_too_large", details={"max_bytes": MAX_FILE_BYTES})
            upload = ContentFile(raw, name=item.file.name)
            content_type = item.file.content_type
        result.append(
            DocumentInput(
                name=item.name,
                required_document=spec,
                submitted=item.submitted,
                form=item.form,
                count=item.count,
                file=upload,
                content_type=content_type,
                reused=item.reused,
                reuse_source=item.reuse_source,
                reuse_origin=item.reuse_origin,
            )
        )
    return result


def _required_of(procedure: Procedure | None) -> dict[int, RequiredDocument]:
    version = procedure_version_for(procedure) if procedure is not None else None
    if version is None:
        return {}
    return {doc.order: doc for doc in version.documents.all()}


def _agency(principal: Principal, code: str) -> Agency:
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None or (principal.client is not None and agency.pk not in principal.agency_ids()):
        raise ApiError(404, "not_found", details={"agency": code})
    return agency


def _replayed(response: HttpResponse, replayed: bool) -> None:
    if replayed:
        response["Idempotent-Replayed"] = "true"


@router.post(
    "/dossiers",
    response={201: DossierOut, **errors()},
    summary="Nộp / tiếp nhận hồ sơ (kèm thành phần hồ sơ)",
)
def submit(request: HttpRequest, response: HttpResponse, payload: DossierSubmitIn) -> Any:
    """``channel=online`` is an online submission (the citizen signed in, or a system acting for
    the national portal); ``direct`` and ``postal`` are receptions by the officer the client acts
    for (``accept=true`` accepts at once). Send an ``Idempotency-Key``: a retry with the same key
    returns the first answer and never creates a second dossier."""
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_SUBMIT)

    def run() -> tuple[int, Any]:
        procedure = Procedure.objects.filter(code=payload.procedure.strip()).first()
        if procedure is None:
            raise ApiError(404, "procedure_not_found")
        agency = _agency(principal, payload.receiving_agency)
        documents = _documents(payload.documents, _required_of(procedure))
        a = payload.applicant
        applicant = ApplicantInput(
            kind=a.kind,
            full_name=a.full_name,
            personal_id=a.personal_id,
            date_of_birth=a.date_of_birth,
            phone=a.phone,
            email=a.email,
            address=a.address,
            organisation_name=a.organisation_name,
            enterprise_code=a.enterprise_code,
            user=principal.user if principal.is_citizen else None,
        )
        if payload.channel == "online":
            if payload.accept:
                raise DossierInvalid(
                    "Hồ sơ trực tuyến được tiếp nhận sau khi cán bộ kiểm tra (accept=false)."
                )
            actor = principal.user if principal.is_citizen else None
            if principal.client is None and not principal.is_citizen:
                raise ApiError(403, "forbidden")
            dossier = engine.dossier_submit_online(
                actor=actor,
                procedure=procedure,
                receiving_agency=agency,
                applicant=applicant,
                documents=documents,
                return_method=payload.return_method,
                summary=payload.summary,
            )
        else:
            if principal.user is None or principal.is_citizen:
                raise ApiError(403, "forbidden")
            dossier = engine.dossier_receive(
                actor=principal.user,
                procedure=procedure,
                receiving_agency=agency,
                applicant=applicant,
                documents=documents,
                channel=payload.channel,
                return_method=payload.return_method,
                summary=payload.summary,
                accept=payload.accept,
            )
        return 201, dossier_out(
            _reload(dossier.pk), readable=principal.has_scope(Scope.DOSSIERS_READ)
        )

    status, body, replayed = idempotent(
        principal=principal.key,
        key=_idempotency_key(request),
        method="POST",
        path=request.path,
        payload=payload.model_dump(mode="json"),
        run=run,
    )
    _replayed(response, replayed)
    return Status(status, body)


@router.get("/dossiers", response={200: DossierPage, **errors()}, summary="Danh sách hồ sơ")
def dossier_list(
    request: HttpRequest,
    status: Literal[tuple(STATUSES)] | None = None,  # type: ignore[valid-type]
    national_status: Annotated[int, Field(ge=1, le=10, strict=False)] | None = None,
    agency: Annotated[str, Field(max_length=40)] | None = None,
    procedure: Annotated[str, Field(max_length=40)] | None = None,
    updated_since: Moment | None = None,
    limit: Annotated[int, Field(ge=1, le=100, strict=False)] = 50,
    after: Annotated[str, Field(max_length=500)] | None = None,
) -> Any:
    """Dossiers in the caller's scope, oldest first, keyset-paginated (``next`` → ``after``)."""
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_READ)
    position = cursor_load("dossier", after)
    qs = principal.dossiers()
    if status:
        qs = qs.filter(status=status)
    if national_status is not None:
        qs = qs.filter(national_status=national_status)
    if agency:
        qs = qs.filter(
            Q(receiving_agency__code=agency)
            | Q(current_agency__code=agency)
            | Q(competent_agency__code=agency)
        )
    if procedure:
        qs = qs.filter(procedure_version__procedure__code=procedure)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    if position is not None:
        qs = qs.filter(pk__gt=int(position))
    rows = list(
        qs.select_related(
            "procedure_version__procedure", "receiving_agency", "current_agency"
        ).order_by("pk")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [
            {
                "code": d.code,
                "procedure": d.procedure_version.procedure.code,
                "status": d.status,
                "national_status": d.national_status,
                "channel": d.channel,
                "receiving_agency": d.receiving_agency.code,
                "current_agency": d.current_agency.code,
                "received_at": d.received_at,
                "due_at": d.due_at,
                "updated_at": d.updated_at,
                "version": d.version,
            }
            for d in rows
        ],
        "next": cursor_dump("dossier", rows[-1].pk) if more and rows else None,
    }


def _read_logged(
    request: HttpRequest, principal: Principal, dossier: Dossier, purpose: str
) -> None:
    """The read of the applicant's name is personal data: audited (rules.md §7), with the
    call's log row, before the answer leaves (``api_read_record``)."""
    api_read_record(
        request,
        AuditRecord(
            actor=principal.user,
            action="read",
            object_type="dossier",
            object_id=str(dossier.uuid),
            agency_id=dossier.current_agency_id,
            data={
                "fields": ["applicant.full_name"],
                "purpose": purpose,
                **({"client": principal.client.name} if principal.client else {}),
            },
        ),
    )


@router.get("/dossiers/{code}", response={200: DossierOut, **errors()}, summary="Một hồ sơ")
def dossier_get(request: HttpRequest, response: HttpResponse, code: Code) -> Any:
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_READ)
    dossier = principal.dossier(code, related=_RELATED, lookup=_SHOWN)
    documents = _DOCUMENTS.run([dossier.pk])
    _read_logged(request, principal, dossier, "API: xem hồ sơ")
    response["ETag"] = f'"v{dossier.version}"'
    return dossier_out(dossier, documents=documents)


@router.get(
    "/dossiers/{code}/result",
    response={200: None, **errors()},
    url_name="dossier_result",
    summary="Tệp kết quả giải quyết",
    openapi_extra={
        "responses": {
            "200": {
                "description": "Tệp PDF kết quả (bản đã ký số nếu đã ký)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def dossier_result(request: HttpRequest, code: Code) -> Any:
    """The result file of a dossier in the caller's scope (the signed copy once signed), with
    its SHA-256 in ``Digest``-like ``X-Content-SHA256``; 404 when there is no result yet. The
    read is audited like the dossier's."""
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_READ)
    dossier = principal.dossier(code)
    row = result_of(dossier)
    handle = None if row is None else (row.signed_file or row.file)
    if row is None or handle is None:
        raise ApiError(404, "result_not_found")
    try:
        stream = handle.open("rb")
    except OSError:
        raise ApiError(404, "result_not_found") from None
    _read_logged(request, principal, dossier, "API: tải kết quả giải quyết")
    response = FileResponse(stream, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{handle.name.rsplit("/", 1)[-1]}"'
    response["X-Content-SHA256"] = (row.signed_sha256 if row.signed_file else row.sha256) or ""
    return response


def _event_out(e: DossierEvent, *, public_view: bool = False) -> dict[str, Any]:
    code = national_status(DossierStatus(e.to_status))
    return {
        "seq": e.seq,
        "action": e.action,
        "action_label": Action(e.action).label,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "national_status": int(code) if code is not None else None,
        "at": e.at,
        "actor": "" if public_view else e.actor_label,
        "from_agency": e.from_agency.code if e.from_agency else None,
        "to_agency": e.to_agency.code if e.to_agency else None,
        "step": e.step.name if e.step else None,
        "step_due_at": e.step_due_at,
        "outcome": e.outcome or None,
        "note": None if public_view else (e.note or None),
    }


@router.get(
    "/dossiers/{code}/timeline",
    response={200: TimelineOut, **errors()},
    summary="Phiếu kiểm soát quá trình giải quyết hồ sơ và lịch sử thời hạn",
)
def timeline(request: HttpRequest, code: Code) -> Any:
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_READ)
    dossier = principal.dossier(code)
    events = DossierEvent.objects.filter(dossier=dossier).select_related(
        "from_agency", "to_agency", "step"
    )
    return {
        "code": dossier.code,
        "events": [_event_out(e) for e in events.order_by("seq")],
        "clock_events": [
            {
                "seq": c.seq,
                "kind": c.kind,
                "at": c.at,
                "due_before": c.due_before,
                "due_after": c.due_after,
                "reason": c.reason or None,
            }
            for c in dossier.clock_events.order_by("seq")
        ],
    }


# --- lifecycle actions ----------------------------------------------------------------------

ActionName = Literal[
    "accept",
    "request_supplement",
    "resubmit",
    "refuse",
    "forward",
    "assign",
    "request_supplement_after_appraisal",
    "supplement_received",
    "request_payment",
    "record_payment",
    "submit_draft",
    "approve",
    "return_step",
    "sign",
    "refuse_after_appraisal",
    "request_extension",
    "withdraw",
    "stop",
    "return_result",
    "report_error",
    "correct_result",
    "consult",
    "consultation_answered",
    "hand_over_to_partners",
    "partners_completed",
]


def _need(value: Any, field: str) -> Any:
    if value is None:
        raise ApiError(
            422,
            "validation_error",
            details={"errors": [{"loc": ["body", field], "msg": "Field required"}]},
        )
    return value


def _call(
    action: str, actor: User, pk: int, body: ActionIn, required: dict[int, RequiredDocument]
) -> Dossier:
    common: dict[str, Any] = {
        "actor": actor,
        "dossier": pk,
        "expected_version": body.expected_version,
    }
    simple: dict[str, Callable[..., Dossier]] = {
        "resubmit": engine.dossier_resubmit,
        "record_payment": engine.dossier_record_payment,
        "partners_completed": engine.dossier_partners_completed,
    }
    with_note: dict[str, Callable[..., Dossier]] = {
        "forward": engine.dossier_forward,
        "submit_draft": engine.dossier_submit_draft,
        "approve": engine.dossier_approve,
        "sign": engine.dossier_sign,
        "stop": engine.dossier_stop,
        "return_result": engine.dossier_return_result,
        "correct_result": engine.dossier_correct_result,
    }
    with_reason: dict[str, Callable[..., Dossier]] = {
        "request_supplement": engine.dossier_request_supplement,
        "refuse": engine.dossier_refuse,
        "request_supplement_after_appraisal": engine.dossier_request_supplement_after_appraisal,
        "return_step": engine.dossier_return_step,
        "refuse_after_appraisal": engine.dossier_refuse_after_appraisal,
        "withdraw": engine.dossier_withdraw,
        "report_error": engine.dossier_report_error,
    }
    if action in simple:
        return simple[action](**common)
    if action in with_note:
        return with_note[action](**common, note=body.reason)
    if action in with_reason:
        return with_reason[action](**common, reason=body.reason)
    if action == "accept":
        return engine.dossier_accept(**common, due_at=body.due_at)
    if action == "assign":
        username = _need(body.assignee, "assignee")
        assignee = User.objects.filter(username=username, is_active=True).first()
        if assignee is None:
            raise DossierInvalid(f"Không có tài khoản “{username}”.")
        return engine.dossier_assign(**common, assignee=assignee, note=body.reason)
    if action == "supplement_received":
        return engine.dossier_receive_supplement(
            **common, documents=_documents(body.documents, required)
        )
    if action == "request_payment":
        return engine.dossier_request_payment(
            **common, amount=_need(body.amount, "amount"), note=body.reason
        )
    if action == "request_extension":
        return engine.dossier_request_extension(
            **common, new_due_at=_need(body.new_due_at, "new_due_at"), reason=body.reason
        )
    if action == "consult":
        return engine.dossier_consult(
            **common,
            agency=_any_agency(_need(body.agency, "agency")),
            question=body.reason,
            due_at=_need(body.due_at, "due_at"),
        )
    if action == "consultation_answered":
        number = _need(body.consultation, "consultation")
        consultation = Consultation.objects.filter(pk=number, dossier_id=pk).first()
        if consultation is None:
            raise DossierInvalid(f"Hồ sơ không có lần lấy ý kiến số {number}.")
        return engine.dossier_answer_consultation(
            **common, consultation=consultation, answer=body.reason
        )
    if action == "hand_over_to_partners":
        partners = [
            engine.PartnerInput(agency=_any_agency(p.agency), task=p.task, due_at=p.due_at)
            for p in body.partners
        ]
        return engine.dossier_hand_over_to_partners(**common, partners=partners)
    raise ApiError(404, "not_found")  # pragma: no cover - ActionName lists them all


def _any_agency(code: str) -> Agency:
    """An agency named in an action (consulted, partner): any agency of the province."""
    agency = Agency.objects.filter(code=code.strip()).first()
    if agency is None:
        raise DossierInvalid(f"Không có cơ quan mã {code.strip()}.")
    return agency


@router.post(
    "/dossiers/{code}/actions/{action}",
    response={200: DossierOut, **errors()},
    summary="Thao tác xử lý hồ sơ (qua engine; vai trò quyết định)",
)
def act(
    request: HttpRequest,
    response: HttpResponse,
    code: Code,
    action: ActionName,
    payload: ActionIn,
) -> Any:
    """Apply one lifecycle action. The engine checks the status, the caller's role and the
    rules of NĐ 118/2025 (refusal → 409 ``transition_not_allowed`` with the reason); send
    ``expected_version`` (from GET) to get 409 ``dossier_conflict`` if someone acted first."""
    principal = _principal(request)
    principal.require(Scope.DOSSIERS_ACT)
    actor = principal.user
    if actor is None:
        raise ApiError(403, "forbidden", details={"reason": "client acts for no account"})

    def run() -> tuple[int, Any]:
        dossier = principal.dossier(code)
        required = {
            doc.order: doc
            for doc in RequiredDocument.objects.filter(version_id=dossier.procedure_version_id)
        }
        done = _call(action, actor, dossier.pk, payload, required)
        return 200, dossier_out(_reload(done.pk), readable=principal.has_scope(Scope.DOSSIERS_READ))

    status, body, replayed = idempotent(
        principal=principal.key,
        key=_idempotency_key(request),
        method="POST",
        path=request.path,
        payload=payload.model_dump(mode="json"),
        run=run,
    )
    _replayed(response, replayed)
    return Status(status, body)


# --- ratings, indicators, me ----------------------------------------------------------------


@router.post(
    "/dossiers/{code}/ratings",
    response={201: RatingOut, **errors()},
    summary="Đánh giá mức độ hài lòng về hồ sơ (nguồn API)",
)
def rate(request: HttpRequest, code: Code, payload: RatingIn) -> Any:
    principal = _principal(request)
    principal.require(Scope.RATINGS_WRITE)
    if principal.client is None and not principal.is_citizen:
        raise ApiError(403, "forbidden")
    dossier = principal.dossier(code)
    rating = rating_record(
        level=payload.level,
        source=Source.API,
        dossier=dossier,
        rater=principal.user if principal.is_citizen else None,
        criteria=payload.criteria,
        comment=payload.comment,
    )
    return Status(
        201,
        {
            "id": rating.pk,
            "level": rating.level,
            "points": rating.points,
            "satisfied": rating.satisfied,
        },
    )


@router.get(
    "/indicators/timeliness",
    response={200: IndicatorsOut, **errors()},
    summary="Chỉ số đúng hạn (QĐ 766, chỉ số 2.1) trong phạm vi của bên gọi",
)
def indicators(
    request: HttpRequest,
    agency: Annotated[str, Field(max_length=40)] | None = None,
    received_from: Moment | None = None,
    received_to: Moment | None = None,
) -> Any:
    principal = _principal(request)
    principal.require(Scope.INDICATORS_READ)
    if principal.is_citizen:
        raise ApiError(403, "forbidden")
    qs = principal.dossiers().filter(received_at__isnull=False)
    if agency:
        qs = qs.filter(receiving_agency__code=agency)
    if received_from is not None:
        qs = qs.filter(received_at__gte=received_from)
    if received_to is not None:
        qs = qs.filter(received_at__lt=received_to)
    counts = qs.aggregate(
        received=Count("pk"),
        ended=Count("pk", filter=Q(ended_at__isnull=False)),
        early=Count("pk", filter=Q(outcome="early")),
        on_time=Count("pk", filter=Q(outcome="on_time")),
        late=Count("pk", filter=Q(outcome="late")),
    )
    classified = counts["early"] + counts["on_time"] + counts["late"]
    return {
        "agency": agency,
        **counts,
        "on_time_rate": round((counts["early"] + counts["on_time"]) / classified, 4)
        if classified
        else None,
    }


@router.get("/me", response={200: MeOut, **errors()}, summary="Bên đang gọi API")
def me(request: HttpRequest) -> Any:
    principal = _principal(request)
    if principal.client is not None:
        return {
            "kind": "client",
            "name": principal.client.name,
            "scopes": principal.scopes(),
            "agencies": list(principal.client.agencies.values_list("code", flat=True)),
        }
    user = principal.user
    return {
        "kind": "user",
        "name": (user.full_name or user.get_username()) if user else "",
        "scopes": [],
        "agencies": [],
    }


# --- public tracking ------------------------------------------------------------------------


TRACKING_WINDOW = 60


def _tracking_rate(request: HttpRequest) -> None:
    limit = settings.MOTCUA_TRACKING_PER_MINUTE
    ip = client_ip(request) or "unknown"
    if not hit("api-track-ip", ip, limit=limit, window=TRACKING_WINDOW):
        retry = TRACKING_WINDOW - int(time.time()) % TRACKING_WINDOW
        raise ApiError(
            429,
            "rate_limited",
            details={"limit_per_minute": limit},
            headers={"Retry-After": str(retry)},
        )


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()).lower()


@public.post(
    "/tracking",
    response={200: TrackingOut, **errors()},
    auth=None,
    summary="Tra cứu tình trạng hồ sơ (mã hồ sơ + yếu tố thứ hai)",
)
def tracking(request: HttpRequest, payload: TrackingIn) -> Any:
    """Public: the code printed on the receipt plus the applicant's personal ID, enterprise
    code or phone number. A wrong pair is 404 like an unknown code (nothing is revealed). POST
    so the second factor never lands in URLs or access logs. At most
    ``MOTCUA_TRACKING_PER_MINUTE`` look-ups per minute from one IP address (the project's
    rate limiter, ``portal.ratelimit.hit``); beyond it 429 ``rate_limited`` with
    ``Retry-After``, before anything is looked up."""
    _tracking_rate(request)
    dossier = (
        Dossier.objects.select_related("procedure_version__procedure", "applicant")
        .filter(code=payload.code.strip())
        .first()
    )
    given = _digits(payload.second_factor)
    if dossier is None or not given:
        raise DossierNotFound()
    applicant = dossier.applicant
    known = {
        _digits(v)
        for v in (applicant.personal_id, applicant.enterprise_code, applicant.phone)
        if _digits(v)
    }
    if given not in known:
        raise DossierNotFound()
    events = DossierEvent.objects.filter(dossier=dossier).select_related(
        "from_agency", "to_agency", "step"
    )
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_version.procedure.code,
        "procedure_name": dossier.procedure_version.name,
        "status": dossier.status,
        "status_label": DossierStatus(dossier.status).label,
        "national_status": dossier.national_status,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "returned_at": dossier.returned_at,
        "steps": [_event_out(e, public_view=True) for e in events.order_by("seq")],
    }
