"""The audit log: append-only entries chained by SHA-256, in K independent chains.

Written only through :func:`motcua.audit.services.audit_log`; checked by
:func:`motcua.audit.verify.audit_verify` (``motcua audit verify``). ND118 Điều 5 forbids altering
or deleting procedure data without authorisation and disclosing personal data; the access log of
officials (rules.md §7, TT 22/2019 Đ6o) is what makes both provable.
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.db import models

from motcua.common.errors import MotcuaError


class AuditLogImmutable(MotcuaError):
    """Raised on any attempt to change or delete an audit entry through the ORM."""

    code = "audit_immutable"


def _refuse(what: str) -> NoReturn:
    raise AuditLogImmutable(f"Nhật ký kiểm tra chỉ được ghi thêm: không được {what} bản ghi đã có.")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("sửa")

    def delete(self) -> NoReturn:
        _refuse("xóa")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("sửa")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Entries get their place in a chain (seq, prev_hash, hash) only through audit_log.
        raise AuditLogImmutable("Chỉ được ghi nhật ký kiểm tra qua hàm audit_log.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("sửa")


class AuditEntry(models.Model):
    """One thing that happened: an actor read or changed an object.

    ``actor_id`` and ``agency_id`` are plain integers, not foreign keys: deleting a user or an
    agency must never rewrite (cascade, set null) the history. ``actor_repr`` keeps who it was.
    """

    id = models.BigAutoField(primary_key=True)
    chain = models.PositiveSmallIntegerField("chuỗi")
    seq = models.PositiveBigIntegerField("số thứ tự trong chuỗi")
    at = models.DateTimeField("thời điểm")
    actor_id = models.BigIntegerField("mã người thực hiện", null=True, blank=True)
    actor_repr = models.CharField("người thực hiện", max_length=300, blank=True)
    action = models.CharField("hành động", max_length=64)
    object_type = models.CharField("loại đối tượng", max_length=64)
    object_id = models.CharField("mã đối tượng", max_length=128)
    agency_id = models.BigIntegerField("mã cơ quan", null=True, blank=True)
    data = models.JSONField("chi tiết", default=dict, blank=True)
    prev_hash = models.CharField("mã băm bản ghi trước", max_length=64)
    hash = models.CharField("mã băm", max_length=64)

    objects: ClassVar[AuditEntryQuerySet] = AuditEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        db_table = "audit_entry"
        verbose_name = "bản ghi nhật ký kiểm tra"
        verbose_name_plural = "nhật ký kiểm tra"
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_entry_chain_seq"),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_entry_object_at"),
            models.Index(fields=["actor_id", "at"], name="audit_entry_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} — {self.object_type} {self.object_id} — {self.actor_repr or '—'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            _refuse("sửa")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("xóa")


class AuditChainHead(models.Model):
    """The last entry of one chain. Its row lock serialises appends to that chain only."""

    chain = models.PositiveSmallIntegerField("chuỗi", primary_key=True)
    seq = models.PositiveBigIntegerField("số thứ tự cuối", default=0)
    last_hash = models.CharField("mã băm cuối", max_length=64)

    class Meta:
        db_table = "audit_chain_head"
        verbose_name = "đầu chuỗi nhật ký"
        verbose_name_plural = "đầu chuỗi nhật ký"

    def __str__(self) -> str:
        return f"Chuỗi {self.chain}: {self.seq} bản ghi"
