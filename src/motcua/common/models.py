"""Abstract base models shared by the domain apps. No domain rules here."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from motcua.common.errors import AppendOnly


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk edits and deletions of append-only rows."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("Nhật ký chỉ ghi thêm: không được sửa.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Nhật ký chỉ ghi thêm: không được xóa.")


class AppendOnlyModel(models.Model):
    """A record that is written once and never edited or deleted through the ORM
    (ND118 Điều 5: no unauthorised alteration or deletion of procedure data)."""

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("Nhật ký chỉ ghi thêm: không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Nhật ký chỉ ghi thêm: không được xóa.")


class DeferredIndex(models.Model):
    """A secondary index dropped for a bulk load and not yet rebuilt (``common.bulkload``).

    Written before the index is dropped, deleted after it is rebuilt: a load that dies half-way
    leaves its rows here, and the next load (or ``motcua simulate``) rebuilds them first."""

    name = models.CharField("tên chỉ mục", max_length=63, unique=True)
    table = models.CharField("bảng", max_length=63)
    definition = models.TextField("định nghĩa (CREATE INDEX …)")
    dropped_at = models.DateTimeField("bỏ lúc", auto_now_add=True)

    class Meta:
        verbose_name = "chỉ mục tạm bỏ khi nạp khối"
        verbose_name_plural = "chỉ mục tạm bỏ khi nạp khối"

    def __str__(self) -> str:
        return self.name
