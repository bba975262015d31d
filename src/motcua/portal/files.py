"""Checking uploads: the content decides the type (magic bytes, not the name or the browser's
word), the size is bounded, and a name with path tricks is refused outright."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from motcua.common.errors import ValidationFailed

#: Accepted types: the signature at the start of the file → (content type, extension).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ACCEPT_ATTR = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
_BAD_NAME = re.compile(r"[\\/\x00-\x1f]|\.\.|^\.|^~")


def max_bytes() -> int:
    return int(settings.MOTCUA_PORTAL_UPLOAD_MAX_MB) * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    content: ContentFile[bytes]
    filename: str  # the citizen's name, for display only
    content_type: str
    size: int
    sha256: str

    @property
    def stored_name(self) -> str:
        return self.content.name or ""


def check_upload(upload: Any) -> CheckedFile:
    """Read and check one uploaded file; :class:`ValidationFailed` in Vietnamese otherwise."""
    name = str(getattr(upload, "name", "") or "")
    if not name or _BAD_NAME.search(name) or len(name) > 200:
        raise ValidationFailed(
            _(
                "Tên tệp không hợp lệ (không được chứa dấu /, \\, “..” hoặc ký tự điều khiển). "
                "Hãy đổi tên tệp rồi tải lên lại."
            )
        )
    size = int(getattr(upload, "size", 0) or 0)
    limit = max_bytes()
    if size > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” quá lớn (%(size).1f MB); tối đa %(max)s MB.")
            % {
                "name": name[:60],
                "size": size / 1048576,
                "max": settings.MOTCUA_PORTAL_UPLOAD_MAX_MB,
            }
        )
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    if len(data) > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” quá lớn; tối đa %(max)s MB.")
            % {"name": name[:60], "max": settings.MOTCUA_PORTAL_UPLOAD_MAX_MB}
        )
    if not data:
        raise ValidationFailed(_("Tệp “%(name)s” rỗng.") % {"name": name[:60]})
    found = next(((t, e) for magic, t, e in SIGNATURES if data.startswith(magic)), None)
    if found is None:
        raise ValidationFailed(
            _(
                "Tệp “%(name)s” không phải PDF, PNG hoặc JPEG (kiểm tra theo nội dung tệp). "
                "Hãy quét hoặc lưu giấy tờ thành PDF hay ảnh rồi tải lên lại."
            )
            % {"name": name[:60]}
        )
    content_type, ext = found
    return CheckedFile(
        content=ContentFile(data, name=f"{uuid.uuid4().hex}.{ext}"),
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
