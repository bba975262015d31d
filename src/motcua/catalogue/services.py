"""Writes of the procedure catalogue: drafts, publication, the default electronic process.

A published version never changes (its rows are frozen by the model). To change a procedure,
copy a version into a draft, edit the draft, publish it with its effective date; publication
closes the previous version on that date. Dossiers keep the version they were received under.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from motcua.accounts.roles import Role
from motcua.agencies.models import AgencyKind
from motcua.audit.services import audit_log
from motcua.catalogue.models import (
    VERSION_CONTENT_MODELS,
    ChannelOption,
    LegalBasis,
    Procedure,
    ProcedureLevel,
    ProcedureVersion,
    ProcessStep,
    VersionStatus,
)
from motcua.common.errors import ValidationFailed

if TYPE_CHECKING:
    from motcua.accounts.models import User

#: The standard electronic process (ND118 Đ17 reception, Đ18 transfer, Đ19.1 assignment and
#: appraisal, Đ22.1 signed result, Đ22 return) with the share of the time limit of each step.
#: The shares add up to 1; appraisal gets the largest share.
DEFAULT_STEPS: tuple[tuple[str, Role, bool, Decimal], ...] = (
    ("Tiếp nhận hồ sơ tại Bộ phận Một cửa", Role.RECEPTION_OFFICER, True, Decimal("0.05")),
    ("Phân công chuyên viên xử lý", Role.DEPARTMENT_HEAD, False, Decimal("0.05")),
    ("Thẩm định hồ sơ", Role.SPECIALIST, False, Decimal("0.60")),
    ("Trình ký, phê duyệt kết quả", Role.AGENCY_LEADER, False, Decimal("0.15")),
    ("Ký số, phát hành kết quả", Role.SPECIALIST, False, Decimal("0.10")),
    ("Trả kết quả tại Bộ phận Một cửa", Role.RECEPTION_OFFICER, True, Decimal("0.05")),
)

_ONE_STOP_KIND = {
    ProcedureLevel.PROVINCE: AgencyKind.PROVINCIAL_SERVICE_CENTER,
    ProcedureLevel.MINISTRY: AgencyKind.PROVINCIAL_SERVICE_CENTER,
    ProcedureLevel.COMMUNE: AgencyKind.COMMUNE_SERVICE_CENTER,
}


def default_process_steps(version: ProcedureVersion) -> list[ProcessStep]:
    """Propose (unsaved) the standard electronic process for ``version``.

    Reception and return happen at the one-stop unit of the procedure's level (ND118 Đ14:
    TTPVHCC tỉnh or xã); the other steps in the competent agency (no agency set).
    """
    one_stop = _ONE_STOP_KIND.get(ProcedureLevel(version.level), "") if version.level else ""
    return [
        ProcessStep(
            version=version,
            order=order,
            name=name,
            role=role,
            agency_kind=one_stop if at_one_stop else "",
            share=share,
        )
        for order, (name, role, at_one_stop, share) in enumerate(DEFAULT_STEPS, start=1)
    ]


def procedure_version_problems(version: ProcedureVersion) -> list[str]:
    """What keeps ``version`` from being published (NĐ 63/2010 Đ8.2 mandatory components)."""
    problems: list[str] = []
    if not version.name.strip():
        problems.append("Thiếu tên thủ tục.")
    if not version.agency_text.strip() and not version.competent_agencies.exists():
        problems.append("Thiếu cơ quan thực hiện.")
    channels = set(version.channels.values_list("channel", flat=True))
    if not channels:
        problems.append("Thiếu cách thức thực hiện (trực tiếp, trực tuyến hoặc bưu chính).")
    limits = list(version.time_limits.all())
    for row in version.fees.all():
        if row.channel not in channels:
            problems.append(f"Có phí cho hình thức “{row.get_channel_display()}” chưa khai báo.")
    for limit in limits:
        if limit.channel not in channels:
            problems.append(
                f"Có thời hạn cho hình thức “{limit.get_channel_display()}” chưa khai báo."
            )
    if not version.needs_review:
        for channel in sorted(channels):
            label = dict(ChannelOption._meta.get_field("channel").choices or [])[channel]
            mine = [limit for limit in limits if limit.channel == channel]
            if not mine:
                problems.append(f"Thiếu thời hạn giải quyết cho hình thức “{label}”.")
            if any(not limit.is_computable for limit in mine):
                problems.append(
                    f"Thời hạn cho hình thức “{label}” chưa có đơn vị hoặc còn là một khoảng; "
                    "hãy sửa hoặc đánh dấu “cần rà soát”."
                )
    elif not version.review_reasons:
        problems.append("Phiên bản “cần rà soát” phải ghi lý do.")
    steps = list(version.steps.all())
    if not steps:
        problems.append("Thiếu quy trình điện tử (các bước xử lý).")
    else:
        total = sum((step.share for step in steps), Decimal(0))
        if total != Decimal(1):
            problems.append(
                f"Tổng tỷ lệ thời hạn của các bước là {total.normalize()}, phải bằng đúng 1."
            )
    return problems


def _copy_rows(source: ProcedureVersion, target: ProcedureVersion) -> None:
    for model in VERSION_CONTENT_MODELS:
        manager: Any = model._default_manager  # each model has its own ``version`` key
        rows: list[Model] = []
        for row in manager.filter(version=source).order_by("pk"):
            row.pk = None
            row.version = target
            rows.append(row)
        manager.bulk_create(rows)
    for relation in ("competent_agencies", "receiving_agencies", "coordinating_agencies"):
        getattr(target, relation).set(getattr(source, relation).all())


@transaction.atomic
def procedure_version_create_draft(
    procedure: Procedure, from_version: ProcedureVersion | None = None
) -> ProcedureVersion:
    """A new draft that copies every field and row of ``from_version``.

    ``from_version`` defaults to the latest published version. One draft at a time per
    procedure (a database constraint).
    """
    Procedure.objects.select_for_update().get(pk=procedure.pk)
    existing = procedure.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise ValidationFailed(
            f"Thủ tục {procedure.code} đã có bản nháp (phiên bản {existing.number}); "
            "hãy sửa hoặc công bố bản nháp đó."
        )
    source = from_version or (
        procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
        or procedure.versions.order_by("-number").first()
    )
    if source is None:
        raise ValidationFailed(f"Thủ tục {procedure.code} chưa có phiên bản nào để sao chép.")
    if source.procedure_id != procedure.pk:
        raise ValidationFailed("Phiên bản nguồn thuộc thủ tục khác.")
    skip = {"id", "number", "status", "effective_from", "effective_to", "published_at"}
    values: dict[str, Any] = {
        f.attname: getattr(source, f.attname)
        for f in ProcedureVersion._meta.concrete_fields
        if f.name not in skip | {"published_by", "created_at", "updated_at"}
    }
    draft = ProcedureVersion(**values)
    draft.status = VersionStatus.DRAFT
    draft.save()
    _copy_rows(source, draft)
    return draft


@transaction.atomic
def procedure_version_publish(
    version: ProcedureVersion, effective_from: dt.date, actor: User | None = None
) -> ProcedureVersion:
    """Publish a draft from ``effective_from``; the previous published version is retired.

    The previous version's ``effective_to`` becomes ``effective_from`` (exclusive), so a dossier
    received before keeps the old version and one received from that day gets the new one.
    The draft must be complete (NĐ 63/2010 Đ8.2) — see :func:`procedure_version_problems`.
    """
    Procedure.objects.select_for_update().get(pk=version.procedure_id)
    version.refresh_from_db()
    if version.status != VersionStatus.DRAFT:
        raise ValidationFailed(
            f"Chỉ công bố được bản nháp; phiên bản {version.number} đang ở trạng thái "
            f"“{version.get_status_display()}”."
        )
    problems = procedure_version_problems(version)
    if problems:
        raise ValidationFailed(
            f"Chưa công bố được thủ tục {version.procedure.code} "
            f"phiên bản {version.number}: " + " ".join(problems)
        )
    previous = ProcedureVersion.objects.filter(
        procedure_id=version.procedure_id, status=VersionStatus.PUBLISHED
    ).first()
    if (
        previous is not None
        and previous.effective_from is not None
        and effective_from < previous.effective_from
    ):
        raise ValidationFailed(
            f"Ngày hiệu lực {effective_from:%d/%m/%Y} sớm hơn ngày hiệu lực của phiên bản "
            f"hiện hành ({previous.effective_from:%d/%m/%Y})."
        )
    if previous is not None:
        # Lifecycle fields only: the content of the retired version stays as published.
        ProcedureVersion.objects.filter(pk=previous.pk).update(
            status=VersionStatus.RETIRED, effective_to=effective_from, updated_at=timezone.now()
        )
    if not version.needs_review:
        version.review_reasons = []
    version.status = VersionStatus.PUBLISHED
    version.effective_from = effective_from
    version.published_at = timezone.now()
    version.published_by = actor
    version.save()
    procedure = version.procedure
    if procedure.name != version.name:
        procedure.name = version.name
        procedure.save(update_fields=["name", "updated_at"])
    return version


def publication_date_problems(
    *,
    decision_date: dt.date | None,
    national_published_at: dt.datetime | None,
    today: dt.date | None = None,
) -> list[str]:
    """Errors in the publication facts of QĐ 766 1.1 / 1.2: a decision or a national
    publication in the future, or made public before the decision was signed. Legal bases may
    take effect in the future (the decision must precede them), so their dates are not checked."""
    today = today or timezone.localdate()
    problems: list[str] = []
    if decision_date is not None and decision_date > today:
        problems.append(
            f"Ngày quyết định công bố {decision_date:%d/%m/%Y} ở tương lai; "
            "hãy nhập ngày đã ký quyết định."
        )
    if national_published_at is not None:
        day = timezone.localtime(national_published_at).date()
        if day > today:
            problems.append(f"Thời điểm công khai trên CSDL quốc gia ({day:%d/%m/%Y}) ở tương lai.")
        if decision_date is None:
            problems.append(
                "Chưa có ngày quyết định công bố nên chưa ghi nhận được việc công khai."
            )
        elif day < decision_date:
            problems.append(
                f"Thủ tục được công khai ngày {day:%d/%m/%Y}, trước ngày quyết định công bố "
                f"({decision_date:%d/%m/%Y})."
            )
    return problems


def publication_warnings(version: ProcedureVersion) -> list[str]:
    """Allowed but flagged (QĐ 766 1.1): a decision dated later than 5 working days before the
    latest effective date of its legal bases — the procedure counts as published late."""
    from motcua.catalogue.publication import DECISION_LEAD_DAYS, decision_deadline
    from motcua.workcalendar.selectors import calendar_for

    day = version.publication_decision_date
    dates = [b.effective_date for b in version.legal_bases.all()]
    deadline = decision_deadline(calendar_for(None), dates)
    if day is None or deadline is None or day <= deadline:
        return []
    latest = max(d for d in dates if d is not None)
    return [
        f"Quyết định công bố ngày {day:%d/%m/%Y} muộn hơn hạn {deadline:%d/%m/%Y} "
        f"({DECISION_LEAD_DAYS} ngày làm việc trước ngày căn cứ pháp lý có hiệu lực "
        f"{latest:%d/%m/%Y}): chỉ số 1.1 tính là công bố quá hạn."
    ]


@transaction.atomic
def procedure_version_record_publication(
    version: ProcedureVersion,
    *,
    decision_date: dt.date | None = None,
    basis_effective: dict[int, dt.date | None] | None = None,
    national_published_at: dt.datetime | None = None,
    actor: User | None = None,
) -> list[str]:
    """Record the publication facts of QĐ 766 1.1 / 1.2 on a version, published or not: the
    decision's date, the effective dates of its legal bases (by ``order``) and when it was made
    public on the national procedure database. These record the publication itself, not the
    content a dossier depends on, so a published version accepts them (written with
    ``update``). ``None`` keeps the stored value. Raises ``ValidationFailed`` with every problem;
    returns the warnings (a late decision is allowed but flagged). Audited."""
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    decision = decision_date or version.publication_decision_date
    national = national_published_at or version.national_published_at
    problems = publication_date_problems(decision_date=decision, national_published_at=national)
    orders = set(version.legal_bases.values_list("order", flat=True))
    for order in sorted(set(basis_effective or {}) - orders):
        problems.append(f"Không có căn cứ pháp lý thứ tự {order} trong phiên bản {version.number}.")
    if problems:
        raise ValidationFailed(
            f"Thủ tục {version.procedure.code} phiên bản {version.number}: " + " ".join(problems)
        )
    ProcedureVersion.objects.filter(pk=version.pk).update(
        publication_decision_date=decision,
        national_published_at=national,
        updated_at=timezone.now(),
    )
    for order, day in (basis_effective or {}).items():
        LegalBasis.objects.filter(version=version, order=order).update(effective_date=day)
    version.refresh_from_db()
    audit_log(
        actor=actor,
        action="catalogue.publication_recorded",
        object_type="procedure_version",
        object_id=str(version.pk),
        data={
            "decision_date": decision.isoformat() if decision else None,
            "national_published_at": national.isoformat() if national else None,
            "basis_effective": {
                str(k): (v.isoformat() if v else None) for k, v in (basis_effective or {}).items()
            },
        },
    )
    return publication_warnings(version)
