"""Records of the workspace that the dossier engine does not hold: the fee receipt taken at
the counter, the result file with its digital signature, and the handover of the result.
They never change a dossier's status: that is ``motcua.dossiers.services``' job. Each is
written by ``motcua.workspace.services`` together with an audit entry."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from motcua.common.models import AppendOnlyModel, TimeStampedModel


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Tiền mặt"
    TRANSFER = "transfer", "Chuyển khoản"


class FeeCollection(AppendOnlyModel):
    """A fee or charge collected at the counter, with the receipt number written on the paper
    receipt (biên lai thu phí, lệ phí; NĐ 118/2025 Điều 24; NĐ 11/2020/NĐ-CP). Append-only."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="+", verbose_name="hồ sơ"
    )
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    method = models.CharField("hình thức nộp", max_length=10, choices=PaymentMethod.choices)
    receipt_number = models.CharField("số biên lai", max_length=40, unique=True)
    #: The catalogue's fee lines that applied, as chosen at the counter:
    #: ``[{"fee": id, "description": …, "condition": …, "amount": đồng}, …]``.
    lines = models.JSONField("các khoản phí, lệ phí", default=list, blank=True)
    collected_at = models.DateTimeField("thu lúc")
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người thu",
    )

    class Meta:
        verbose_name = "khoản thu phí, lệ phí"
        verbose_name_plural = "khoản thu phí, lệ phí"
        ordering = ["dossier", "collected_at"]

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.amount} đồng"


def _result_path(instance: ResultDocument, filename: str) -> str:
    return f"ket-qua/{instance.dossier.uuid}/{filename}"


class ResultDocument(TimeStampedModel):
    """The result document of a dossier (kết quả giải quyết, NĐ 118/2025 Điều 22): the PDF the
    specialist attaches with the draft, then the copy the leader signs digitally (PAdES, the
    agency certificate configured by the administrator)."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="+", verbose_name="hồ sơ"
    )
    name = models.CharField("tên kết quả", max_length=300)
    file = models.FileField("tệp kết quả", upload_to=_result_path)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người tải lên",
    )
    signed_file = models.FileField("tệp đã ký số", upload_to=_result_path, blank=True)
    signed_sha256 = models.CharField("SHA-256 tệp đã ký", max_length=64, blank=True)
    signed_at = models.DateTimeField("ký lúc", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người ký",
    )
    signer_subject = models.CharField("chứng thư số", max_length=300, blank=True)

    class Meta:
        verbose_name = "kết quả giải quyết"
        verbose_name_plural = "kết quả giải quyết"
        ordering = ["dossier", "-id"]

    def __str__(self) -> str:
        return self.name


class HandoverMethod(models.TextChoices):
    COUNTER = "counter", "Trả tại Bộ phận Một cửa"
    POST = "post", "Gửi qua dịch vụ bưu chính công ích"
    ONLINE = "online", "Trả kết quả điện tử"


class ResultHandover(AppendOnlyModel):
    """Who received the result, when and how (NĐ 118/2025 Điều 22 khoản 3; QĐ 45/2016/QĐ-TTg
    for the post). Written with ``dossier_return_result``. Append-only."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.PROTECT, related_name="+", verbose_name="hồ sơ"
    )
    method = models.CharField("hình thức trả", max_length=10, choices=HandoverMethod.choices)
    receiver_name = models.CharField("người nhận", max_length=200, blank=True)
    receiver_id = models.CharField("giấy tờ tùy thân người nhận", max_length=20, blank=True)
    is_applicant = models.BooleanField("chính người nộp hồ sơ", default=True)
    postal_tracking = models.CharField("số hiệu bưu gửi", max_length=40, blank=True)
    handed_at = models.DateTimeField("giao lúc")
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người giao",
    )
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "giao trả kết quả"
        verbose_name_plural = "giao trả kết quả"
        ordering = ["dossier", "handed_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.handed_at:%d/%m/%Y}"


class PostalDelivery(AppendOnlyModel):
    """The postal operator's confirmation that the result sent by post reached the applicant
    (QĐ 45/2016/QĐ-TTg): the moment it reports, recorded by the one-stop officer with
    ``dossier_confirm_postal_delivery``. Append-only, one per handover."""

    handover = models.OneToOneField(
        ResultHandover,
        on_delete=models.PROTECT,
        related_name="delivery",
        verbose_name="giao trả kết quả",
    )
    delivered_at = models.DateTimeField("phát cho người nhận lúc")
    recorded_at = models.DateTimeField("ghi nhận lúc")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi nhận",
    )
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "xác nhận phát bưu gửi"
        verbose_name_plural = "xác nhận phát bưu gửi"

    def __str__(self) -> str:
        return f"{self.handover_id} {self.delivered_at:%d/%m/%Y}"
