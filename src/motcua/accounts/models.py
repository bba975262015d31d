"""Users, and the agencies and roles each officer holds."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from motcua.accounts.roles import Role


class User(AbstractUser):
    """A person who signs in: a citizen or business representative, or an officer.

    Officers get their powers only through :class:`AgencyMembership` rows (least privilege);
    ``is_staff`` only opens the admin site, whose pages check model permissions.
    """

    full_name = models.CharField("họ và tên", max_length=200, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    personal_id = models.CharField(
        "số định danh cá nhân", max_length=12, blank=True, db_index=True
    )

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username


class AgencyMembership(models.Model):
    """One officer's role in one agency, for a period. An officer may belong to several."""

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
            )
        ]
        indexes = [models.Index(fields=["agency", "role"], name="accounts_mbr_agency_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"
