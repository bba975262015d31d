"""Recording ratings. The only code that writes a ``Rating``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from motcua.audit.services import audit_log
from motcua.common.errors import ValidationFailed
from motcua.ratings.models import Rating, Source
from motcua.ratings.scale import level as scale_level
from motcua.ratings.scale import scale

if TYPE_CHECKING:
    from motcua.accounts.models import User
    from motcua.agencies.models import Agency
    from motcua.dossiers.models import Dossier

CRITERIA_KEYS = frozenset(["a", "b", "c", "d", "đ", "e", "g", "h", "i"])  # ND 118/2025 Đ33.1
COMMENT_LIMIT = 2000


def rating_record(
    *,
    level: int,
    source: Source | str,
    dossier: Dossier | None = None,
    agency: Agency | None = None,
    officer: User | None = None,
    rater: User | None = None,
    subject: str = "",
    criteria: Mapping[str, int] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> Rating:
    """Record one satisfaction rating (ND 118/2025 Đ31.1 a–c: slip, device at the one-stop
    unit, online) and audit it.

    The agency defaults to the dossier's receiving agency. A signed-in rater may rate a given
    dossier once per source (a second tap on the device is not a second opinion). Messages of
    ``ValidationFailed`` are Vietnamese, for the person rating.
    """
    try:
        source = Source(source)
    except ValueError:
        raise ValidationFailed(f"Nguồn đánh giá không hợp lệ: {source!r}.") from None
    if not isinstance(level, int) or isinstance(level, bool):
        raise ValidationFailed("Mức đánh giá phải là một số nguyên.")
    try:
        lv = scale_level(level)
    except KeyError:
        values = ", ".join(str(x.value) for x in scale())
        raise ValidationFailed(
            f"Mức đánh giá {level} không có trong thang đánh giá ({values})."
        ) from None
    answers = dict(criteria or {})
    for key, value in answers.items():
        if key not in CRITERIA_KEYS:
            raise ValidationFailed(
                f"Tiêu chí đánh giá {key!r} không có trong Điều 33 Nghị định 118/2025."
            )
        try:
            scale_level(value)
        except (KeyError, TypeError):
            raise ValidationFailed(f"Mức đánh giá của tiêu chí {key} không hợp lệ.") from None
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise ValidationFailed(f"Ý kiến tối đa {COMMENT_LIMIT} ký tự.")
    if len(subject) > 64:
        raise ValidationFailed("Mã đối tượng được đánh giá quá dài.")
    if agency is None and dossier is not None:
        agency = dossier.receiving_agency
    moment = at or timezone.now()
    with transaction.atomic():
        if (
            rater is not None
            and dossier is not None
            and Rating.objects.filter(dossier=dossier, source=source, rater=rater).exists()
        ):
            raise ValidationFailed("Bạn đã đánh giá hồ sơ này rồi. Xin cảm ơn!")
        rating = Rating.objects.create(
            created_at=moment,
            source=source,
            level=lv.value,
            points=lv.points,
            satisfied=lv.satisfied,
            dossier=dossier,
            agency=agency,
            officer=officer,
            rater=rater,
            subject=subject,
            criteria=answers,
            comment=comment,
        )
        audit_log(
            actor=rater,
            action="rating.record",
            object_type="rating",
            object_id=str(rating.pk),
            agency_id=agency.pk if agency else None,
            data={
                "source": source.value,
                "level": lv.value,
                "dossier": dossier.code if dossier is not None else None,
                "officer_id": officer.pk if officer else None,
                "subject": subject,
            },
        )
    return rating
