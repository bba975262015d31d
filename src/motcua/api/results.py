"""The result document of a dossier as the API and the national sync show it (kết quả giải
quyết, NĐ 118/2025 Điều 22): the officer workspace's ``ResultDocument`` — the PDF attached with
the draft, then the copy the leader signs digitally (PAdES)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from motcua.common.sql import Select, Table, column
from motcua.dossiers.models import Dossier
from motcua.workspace.models import ResultDocument


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def result_of(dossier: Dossier) -> ResultDocument | None:
    """The dossier's result document (kết quả giải quyết, NĐ 118/2025 Điều 22): the latest
    signed one, else the latest attached draft; ``None`` when no result exists."""
    return cast(ResultDocument | None, _LATEST.first([dossier.pk]))


#: ``ResultDocument.objects.filter(dossier=…).order_by(F("signed_at").desc(nulls_last=True),
#: "-id").first()`` written once (``motcua.common.sql``): the dossier GET reads it on each call.
_LATEST = Select(
    Table(ResultDocument, "r"),
    where=lambda qn: f"r.{column(ResultDocument, 'dossier', qn)} = %s",
    order="r.signed_at DESC NULLS LAST, r.id DESC",
    limit=1,
)


def result_url(dossier: Dossier) -> str:
    """The absolute address of the result file in the API (``GET …/dossiers/{code}/result``:
    an authorised caller — ``dossiers:read`` and the dossier in its scope — downloads it)."""
    path = reverse("api-v1:dossier_result", kwargs={"code": dossier.code})
    return settings.MOTCUA_PUBLIC_BASE_URL.rstrip("/") + path


def _file_size(handle: Any) -> int | None:
    try:
        return int(handle.size)
    except (OSError, ValueError):  # the file is missing from the storage
        return None


def result_out(dossier: Dossier, *, readable: bool) -> dict[str, Any] | None:
    """The dossier's result document as the API shows it (``None``: no result yet)."""
    row = result_of(dossier)
    return None if row is None else describe(row, dossier, readable=readable)


def describe(row: ResultDocument, dossier: Dossier, *, readable: bool) -> dict[str, Any]:
    """The result document fields: name, file name, size and SHA-256 of the file in force (the
    signed copy once signed), whether it is digitally signed, by whom, the issue date (the
    signature's, else the decision's), and the download address when ``readable``."""
    signed = bool(row.signed_file)
    handle = row.signed_file if signed else row.file
    return {
        "name": row.name,
        "file_name": handle.name.rsplit("/", 1)[-1],
        "size": _file_size(handle),
        "sha256": (row.signed_sha256 if signed else row.sha256) or None,
        "signed": signed,
        "signer": (row.signer_subject or None) if signed else None,
        "issued_at": _iso(row.signed_at or dossier.decided_at),
        "download_url": result_url(dossier) if readable else None,
    }
