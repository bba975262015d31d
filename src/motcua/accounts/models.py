"""Users, the agencies and roles each officer holds, and the account event log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from motcua.accounts.roles import OFFICER_ROLES, Role
from motcua.common.models import AppendOnlyModel
from motcua.common.text import nfc

#: Căn cước / số định danh cá nhân: 12 digits (Luật Căn cước 2023, Điều 12).
personal_id_validator = RegexValidator(
    regex=r"^\d{12}$",
    message="Số định danh cá nhân phải có đúng 12 chữ số (ví dụ 079123456789).",
    code="invalid_personal_id",
)


class UserKind(models.TextChoices):
    CITIZEN = "citizen", "Cá nhân"
    ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"
    OFFICER = "officer", "Cán bộ, công chức"


class MotcuaUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        """``createsuperuser`` makes an officer account (a superuser is never a citizen)."""
        extra.setdefault("kind", UserKind.OFFICER)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    """A person who signs in: a citizen or business representative, or an officer.

    Officers get their powers only through :class:`AgencyMembership` rows (least privilege);
    ``is_staff`` only opens the admin site, whose pages check model permissions. ``is_staff``
    and the role groups are kept in step with the memberships by ``permissions.sync_user_groups``.
    Citizen and organisation accounts can never hold an officer role (``services``).
    """

    kind = models.CharField(
        "loại tài khoản", max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    full_name = models.CharField("họ và tên", max_length=200, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    personal_id = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        blank=True,
        db_index=True,
        validators=[personal_id_validator],
        help_text="12 chữ số, in trên thẻ căn cước.",
    )

    objects: ClassVar[MotcuaUserManager] = MotcuaUserManager()

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        # UX rule: text is stored in Unicode NFC.
        self.full_name = nfc(self.full_name)
        self.personal_id = self.personal_id.strip()
        self.phone = self.phone.strip()


class AgencyMembership(models.Model):
    """One officer's role in one agency, for a period. An officer may belong to several.

    Validity dates are inclusive; an empty date means "open". Written only through
    ``services.membership_grant`` / ``membership_revoke`` so every change is audited.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name="người dùng"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name="cơ quan",
    )
    role = models.CharField("vai trò", max_length=32, choices=Role.choices)
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        verbose_name = "vai trò tại cơ quan"
        verbose_name_plural = "vai trò tại cơ quan"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="accounts_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=sorted(r.value for r in OFFICER_ROLES)),
                name="accounts_membership_officer_role",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="accounts_membership_validity_order",
            ),
        ]
        indexes = [models.Index(fields=["agency", "role"], name="accounts_mbr_agency_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class AccountEventKind(models.TextChoices):
    LOGIN = "login", "Đăng nhập"
    LOGOUT = "logout", "Đăng xuất"
    LOGIN_FAILED = "login_failed", "Đăng nhập không thành công"
    LOCKED_OUT = "locked_out", "Tạm khóa do đăng nhập sai nhiều lần"
    TOTP_ENROLLED = "totp_enrolled", "Bật xác thực hai lớp"
    TOTP_REMOVED = "totp_removed", "Gỡ xác thực hai lớp"
    ROLE_GRANTED = "role_granted", "Giao vai trò"
    ROLE_REVOKED = "role_revoked", "Thu hồi vai trò"
    OFFICER_CREATED = "officer_created", "Tạo tài khoản cán bộ"


class AccountEvent(AppendOnlyModel):
    """An append-only log of security-relevant account events.

    Sign-in, sign-out, failed sign-in, lockout, TOTP enrolment/removal and role changes.
    Officers' access must be logged (rules.md §7, TT 22/2019 Đ6o); only what is needed is kept
    (§7 principles): the username typed, the IP address and a shortened user agent. The full
    audit log arrives with the dossier engine; this table then feeds it or is kept beside it.
    """

    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    kind = models.CharField("sự kiện", max_length=32, choices=AccountEventKind.choices)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_events",
        verbose_name="tài khoản",
    )
    username = models.CharField(
        "tên đăng nhập", max_length=150, blank=True, help_text="Giữ lại cả khi tài khoản bị xóa."
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_events_done",
        verbose_name="người thực hiện",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cơ quan",
    )
    role = models.CharField("vai trò", max_length=32, choices=Role.choices, blank=True)
    ip_address = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    user_agent = models.CharField("trình duyệt", max_length=255, blank=True)
    detail = models.JSONField("chi tiết", default=dict, blank=True)

    class Meta:
        verbose_name = "sự kiện tài khoản"
        verbose_name_plural = "nhật ký tài khoản"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="accounts_event_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} — {self.get_kind_display()} — {self.username}"
