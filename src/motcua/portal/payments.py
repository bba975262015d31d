"""Online payment of fees (NĐ 118/2025 Điều 24): a gateway interface and a built-in test gateway.
A real gateway (e.g. the national portal's payment platform) is a class with the same two methods
named in ``MOTCUA_PAYMENT_GATEWAY`` — a settings change, no code change in the portal."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from motcua.accounts.models import User
from motcua.audit.services import audit_log
from motcua.common.errors import NotFound, ValidationFailed
from motcua.dossiers import services as engine
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import DossierStatus
from motcua.portal.models import Draft, Payment, PaymentStatus


class Gateway(Protocol):
    name: str

    def start_url(self, payment: Payment) -> str:
        """Where to send the citizen to pay."""

    def verify(self, params: dict[str, str]) -> tuple[str, bool, str]:
        """(reference, paid, gateway transaction id) from the gateway's signed return."""


def _sign(*parts: str) -> str:
    key = f"payment:{settings.SECRET_KEY}".encode()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


class TestGateway:
    """Pays nothing: a page of the portal plays the bank and returns a signed answer."""

    name = "test"

    def start_url(self, payment: Payment) -> str:
        return reverse("portal:test_gateway", args=[payment.reference])

    def verify(self, params: dict[str, str]) -> tuple[str, bool, str]:
        ref = params.get("ref", "")
        outcome = params.get("ket-qua", "")
        if not hmac.compare_digest(params.get("chu-ky", ""), _sign(ref, outcome)):
            raise ValidationFailed(_("Chữ ký của cổng thanh toán không hợp lệ."))
        return ref, outcome == "paid", f"TEST-{ref}"

    @staticmethod
    def signed_return(ref: str, outcome: str) -> dict[str, str]:
        return {"ref": ref, "ket-qua": outcome, "chu-ky": _sign(ref, outcome)}


def gateway() -> Gateway:
    gw: Gateway = import_string(settings.MOTCUA_PAYMENT_GATEWAY)()
    return gw


def payment_start(
    user: User, *, amount: int, draft: Draft | None = None, dossier: Dossier | None = None
) -> Payment:
    if amount <= 0:
        raise ValidationFailed(_("Không có khoản phí nào cần thanh toán."))
    return Payment.objects.create(
        reference=f"MC{timezone.now():%y%m%d}{secrets.token_hex(6).upper()}",
        user=user,
        draft=draft,
        dossier=dossier,
        amount=amount,
        gateway=gateway().name,
    )


def payment_complete(params: dict[str, str]) -> Payment:
    """The gateway's answer: mark the payment; a dossier waiting for payment continues through
    the engine (``dossier_record_payment`` as the system: the gateway callback)."""
    ref, paid, txn = gateway().verify(params)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=ref).first()
        if payment is None:
            raise NotFound(_("Không tìm thấy giao dịch."))
        if payment.status != PaymentStatus.PENDING:
            return payment  # a repeated callback changes nothing
        payment.status = PaymentStatus.PAID if paid else PaymentStatus.FAILED
        payment.gateway_transaction = txn
        payment.paid_at = timezone.now() if paid else None
        payment.save()
        if paid and payment.dossier is None and payment.draft is not None:
            # Paid on the gateway after the draft was submitted (another tab): the same as a
            # payment before submission.
            submitted = payment.draft.dossier
            if submitted is not None:
                prepayment_to_dossier(payment.draft, submitted)
                payment.refresh_from_db()
        elif paid and payment.dossier is not None:
            dossier = payment.dossier
            if dossier.status == DossierStatus.AWAITING_PAYMENT:
                engine.dossier_record_payment(actor=None, dossier=dossier.pk)
        audit_log(
            actor=payment.user,
            action="portal.payment",
            object_type="payment",
            object_id=payment.reference,
            data={
                "paid": paid,
                "amount": payment.amount,
                "dossier": payment.dossier.code if payment.dossier else None,
            },
        )
    return payment


def prepayment_to_dossier(draft: Draft, dossier: Dossier) -> None:
    """The fee paid in the draft's payment step lands on its new dossier, in the caller's
    transaction: the payment is linked and, while the dossier is still ``submitted`` and the
    amount is its declared fee, recorded through the engine (``dossier_record_prepayment``:
    ``paid_at`` and a ``record_payment`` row by the system, which the indicators count as an
    online payment). Another amount stays linked for the officer to settle."""
    with transaction.atomic():
        paid = (
            Payment.objects.select_for_update()
            .filter(draft=draft, status=PaymentStatus.PAID)
            .order_by("paid_at", "id")
            .first()
        )
        if paid is None:
            return
        if paid.dossier_id is None:
            paid.dossier = dossier
            paid.save(update_fields=["dossier"])
        fresh = Dossier.objects.get(pk=dossier.pk)
        if (
            fresh.paid_at is None
            and fresh.status == DossierStatus.SUBMITTED
            and fresh.fee_amount == paid.amount
        ):
            recorded = engine.dossier_record_prepayment(
                dossier=fresh,
                amount=paid.amount,
                reference=paid.reference,
                paid_at=paid.paid_at or timezone.now(),
            )
            dossier.paid_at = recorded.paid_at
            dossier.version = recorded.version
            dossier.last_event_seq = recorded.last_event_seq


def payment_state(dossier: Dossier) -> dict[str, Any]:
    paid = Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).order_by("-paid_at")
    last = paid.first()
    return {"paid": last is not None or dossier.paid_at is not None, "payment": last}
