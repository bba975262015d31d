"""API clients (hệ thống khác kết nối qua API), their call log, idempotency records and rate
windows (docs/integration.md).

* A client's key is shown once when it is issued and stored only as a SHA-256 hash (the key is
  random, 32 bytes, so a plain hash cannot be brute-forced); the 12-character prefix finds it.
* A client is scoped: the **operations** it may call (``scopes``) and the **agencies** whose
  dossiers it may see. A dossier outside those agencies is "not found", like one that does not
  exist (docs/dossiers.md "Access").
* Revoking is immediate: every call reads the client row.
* A client may also hold an OAuth2 **client secret** (RFC 6749 §4.4, client credentials): shown
  once, stored as a SHA-256 hash; the access tokens it obtains carry the secret's id
  (``oauth_secret_id``), so revoking the client or the secret refuses them at once.
* Every call is logged (:class:`ApiCall`, append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from motcua.common.models import AppendOnlyModel


class Scope(models.TextChoices):
    """Operations a client may be granted (least privilege: grant only what it needs)."""

    DOSSIERS_READ = "dossiers:read", "Xem hồ sơ (trong phạm vi cơ quan được cấp)"
    DOSSIERS_SUBMIT = "dossiers:submit", "Nộp, tiếp nhận hồ sơ"
    DOSSIERS_ACT = "dossiers:act", "Thực hiện thao tác xử lý hồ sơ (theo vai trò tài khoản)"
    RATINGS_WRITE = "ratings:write", "Gửi đánh giá mức độ hài lòng"
    INDICATORS_READ = "indicators:read", "Xem chỉ số (QĐ 766)"
    NATIONAL_INBOUND = "national:inbound", "Nhận hồ sơ từ Cổng Dịch vụ công quốc gia"


class ApiClient(models.Model):
    """A system that calls the API with a key (postal operator, payment, SMS, the province's
    data platform, the national portal's connector)."""

    name = models.CharField("tên hệ thống", max_length=200, unique=True)
    description = models.TextField("mô tả", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_clients",
        verbose_name="tài khoản thực hiện",
        help_text="Tài khoản cán bộ mà hệ thống thay mặt khi thao tác hồ sơ (vai trò của tài "
        "khoản quyết định thao tác nào được phép). Để trống: hệ thống chỉ đọc, nộp trực tuyến "
        "hoặc nhận hồ sơ từ Cổng quốc gia.",
    )
    agencies = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="+",
        verbose_name="cơ quan được phép",
        help_text="Hệ thống chỉ thấy hồ sơ mà cơ quan tiếp nhận, đang giữ hoặc có thẩm quyền "
        "nằm trong danh sách này.",
    )
    scopes = models.JSONField("quyền thao tác", default=list, blank=True)
    key_prefix = models.CharField("tiền tố khóa", max_length=16, unique=True, editable=False)
    key_hash = models.CharField("băm SHA-256 của khóa", max_length=64, editable=False)
    oauth_client_id = models.CharField(
        "client_id OAuth2", max_length=40, unique=True, null=True, blank=True, editable=False
    )
    oauth_secret_hash = models.CharField(
        "băm SHA-256 của client secret", max_length=64, blank=True, editable=False
    )
    oauth_secret_id = models.CharField(
        "mã của client secret hiện hành", max_length=32, blank=True, editable=False
    )
    oauth_secret_issued_at = models.DateTimeField(
        "cấp client secret lúc", null=True, blank=True, editable=False
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        "giới hạn số lượt gọi mỗi phút", default=120
    )
    is_active = models.BooleanField("đang hoạt động", default=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "hệ thống kết nối API"
        verbose_name_plural = "hệ thống kết nối API"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: Scope | str) -> bool:
        return str(scope) in set(self.scopes or [])


class ApiCall(AppendOnlyModel):
    """One call of the API (the call log the issue requires): who, what, the answer, how long."""

    at = models.DateTimeField("lúc", db_index=True)
    client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người dùng (phiên web)",
    )
    method = models.CharField("phương thức", max_length=8)
    path = models.CharField("đường dẫn", max_length=300)
    status = models.PositiveSmallIntegerField("mã trả về")
    duration_ms = models.PositiveIntegerField("thời gian (ms)")
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "lượt gọi API"
        verbose_name_plural = "nhật ký gọi API"
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "at"], name="api_call_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key``: a retry with the same key
    (same caller) gets this answer again instead of a second dossier."""

    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "khóa chống gửi trùng"
        verbose_name_plural = "khóa chống gửi trùng"
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="api_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.principal}: {self.key}"


class RateWindow(models.Model):
    """Calls of a client in one minute (fixed window), counted with one upsert per call."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "minute"], name="api_rate_window_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.minute:%H:%M}: {self.count}"
