"""Writes of the citizen portal. Every change of a dossier goes through
``motcua.dossiers.services``; this module only adds the citizen's side (account, profile,
drafts, personal data store, payments, result file) and audits what it writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.accounts.models import User, UserKind
from motcua.agencies.models import Agency
from motcua.audit.services import audit_log
from motcua.catalogue.models import Channel, Procedure, RequiredDocument
from motcua.catalogue.selectors import procedure_version_for
from motcua.common.errors import NotFound, ValidationFailed
from motcua.common.text import nfc
from motcua.dossiers import services as engine
from motcua.dossiers.access import access_dossier_for_citizen
from motcua.dossiers.models import ApplicantKind, DocumentForm, Dossier
from motcua.dossiers.services import ApplicantInput, DocumentInput
from motcua.dossiers.workflow import DossierStatus
from motcua.portal import notify
from motcua.portal.files import CheckedFile
from motcua.portal.models import (
    CitizenProfile,
    CodePurpose,
    Draft,
    DraftFile,
    DraftStatus,
    OrganisationProfile,
    StoredDocument,
    VerificationCode,
)
from motcua.portal.schema import summary_of

S = DossierStatus
CODE_MINUTES = 15
CODE_ATTEMPTS = 5
REUSE_SOURCE = "Kho quản lý dữ liệu điện tử của cá nhân trên Cổng dịch vụ công"

_PHONE = re.compile(r"^0\d{9}$")


# --- identifiers ----------------------------------------------------------------------------


def normalise_identifier(raw: str) -> tuple[str, str]:
    """``("email", "an@example.vn")`` or ``("phone", "0905123456")``; Vietnamese error else."""
    text = (raw or "").strip()
    if "@" in text:
        email = text.lower()
        if len(email) > 150 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise ValidationFailed(_("Địa chỉ thư điện tử không hợp lệ (ví dụ: an@example.vn)."))
        return "email", email
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _PHONE.fullmatch(digits):
        raise ValidationFailed(
            _("Nhập thư điện tử hoặc số điện thoại di động 10 chữ số (ví dụ 0905123456).")
        )
    return "phone", digits


def citizen_by_identifier(raw: str) -> User | None:
    try:
        _, ident = normalise_identifier(raw)
    except ValidationFailed:
        return None
    return User.objects.filter(
        username=ident, kind__in=[UserKind.CITIZEN, UserKind.ORGANISATION]
    ).first()


def profile_of(user: User) -> CitizenProfile:
    profile, _ = CitizenProfile.objects.get_or_create(user=user)
    return profile


# --- codes ----------------------------------------------------------------------------------


def _hash_code(user: User, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{user.pk}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def code_send(user: User, purpose: str) -> None:
    """Send a new 6-digit code to the account's e-mail (else phone) through the outbox."""
    channel, to = ("email", user.email) if user.email else ("sms", user.phone)
    if not to:
        raise ValidationFailed(_("Tài khoản chưa có thư điện tử hay số điện thoại để nhận mã."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        VerificationCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        row = VerificationCode.objects.create(
            user=user,
            purpose=purpose,
            channel=channel,
            code_hash=_hash_code(user, purpose, code),
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        subject, body, sms = notify.render("code", {"code": code})
        notify.enqueue(
            key=f"code:{row.pk}",
            channel=channel,
            to=to,
            subject=subject,
            body=body if channel == "email" else sms,
        )
        notify.kick()


def code_check(user: User, purpose: str, code: str) -> bool:
    """Use the latest code; at most 5 tries, 15 minutes."""
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at < timezone.now() or row.attempts >= CODE_ATTEMPTS:
            return False
        row.attempts += 1
        ok = hmac.compare_digest(row.code_hash, _hash_code(user, purpose, code.strip()))
        if ok:
            row.used_at = timezone.now()
        row.save(update_fields=["attempts", "used_at"])
        return ok


# --- accounts -------------------------------------------------------------------------------

_PASSWORD_MESSAGES = {  # msgids, translated when raised
    "password_too_short": gettext_noop("Mật khẩu quá ngắn: cần ít nhất 10 ký tự."),
    "password_too_common": gettext_noop(
        "Mật khẩu quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác."
    ),
    "password_entirely_numeric": gettext_noop("Mật khẩu không được chỉ gồm chữ số."),
    "password_too_similar": gettext_noop(
        "Mật khẩu quá giống họ tên, thư điện tử hoặc số điện thoại."
    ),
}


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = [
            _(_PASSWORD_MESSAGES[e.code]) if e.code in _PASSWORD_MESSAGES else " ".join(e.messages)
            for e in exc.error_list
        ]
        raise ValidationFailed(" ".join(messages)) from None


def citizen_register(*, identifier: str, password: str, full_name: str) -> User:
    """A citizen account with e-mail or phone as its sign-in name; a verification code is sent
    at once. Unverified accounts may sign in but not submit."""
    kind, ident = normalise_identifier(identifier)
    full_name = nfc(full_name)
    if not full_name:
        raise ValidationFailed(_("Nhập họ và tên."))
    if User.objects.filter(username=ident).exists():
        raise ValidationFailed(
            _(
                "Thư điện tử hoặc số điện thoại này đã được đăng ký. Hãy đăng nhập hoặc đặt lại "
                "mật khẩu."
            )
        )
    user = User(username=ident, full_name=full_name[:200], kind=UserKind.CITIZEN)
    if kind == "email":
        user.email = ident
    else:
        user.phone = ident
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        CitizenProfile.objects.create(user=user)
        audit_log(
            actor=user,
            action="portal.register",
            object_type="user",
            object_id=str(user.pk),
            data={"by": kind},
        )
        code_send(user, CodePurpose.VERIFY)
    return user


def citizen_verify(user: User, code: str) -> bool:
    if not code_check(user, CodePurpose.VERIFY, code):
        return False
    profile = profile_of(user)
    now = timezone.now()
    if user.username == user.email:
        profile.email_verified_at = now
    else:
        profile.phone_verified_at = now
    profile.save()
    audit_log(actor=user, action="portal.verify", object_type="user", object_id=str(user.pk))
    return True


def password_reset_start(identifier: str) -> None:
    """Send a reset code if the account exists; says nothing either way (no account probing)."""
    user = citizen_by_identifier(identifier)
    if user is not None and user.is_active:
        code_send(user, CodePurpose.RESET)


def password_reset_finish(*, identifier: str, code: str, password: str) -> User:
    user = citizen_by_identifier(identifier)
    if user is None or not code_check(user, CodePurpose.RESET, code):
        raise ValidationFailed(_("Mã xác minh không đúng hoặc đã hết hạn. Hãy yêu cầu mã mới."))
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    profile = profile_of(user)  # the code reached the owner: the contact is verified too
    if user.username == user.email and profile.email_verified_at is None:
        profile.email_verified_at = timezone.now()
    elif user.username == user.phone and profile.phone_verified_at is None:
        profile.phone_verified_at = timezone.now()
    profile.save()
    audit_log(
        actor=user, action="portal.password_reset", object_type="user", object_id=str(user.pk)
    )
    return user


PROFILE_FIELDS = ("full_name", "personal_id", "date_of_birth", "address", "phone", "email")


def profile_update(user: User, data: Mapping[str, Any]) -> list[str]:
    """Correct the profile; the names (not the values) of changed fields are audited."""
    profile = profile_of(user)
    changed: list[str] = []
    for name in PROFILE_FIELDS:
        if name not in data:
            continue
        target: Any = profile if name in ("date_of_birth", "address") else user
        value = data[name]
        if isinstance(value, str):
            value = nfc(value)
        if (
            name in ("phone", "email")
            and user.username == getattr(user, name)
            and value != getattr(user, name)
        ):
            raise ValidationFailed(
                _("Thư điện tử hoặc số điện thoại dùng để đăng nhập không đổi được ở đây.")
            )
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    if changed:
        try:
            user.full_clean(exclude=["password", "username"])
        except ValidationError as exc:
            raise ValidationFailed(
                " ".join(m for ms in exc.message_dict.values() for m in ms)
            ) from None
        with transaction.atomic():
            user.save()
            profile.save()
            audit_log(
                actor=user,
                action="portal.profile_update",
                object_type="user",
                object_id=str(user.pk),
                data={"fields": changed},
            )
    return changed


# --- organisation accounts ------------------------------------------------------------------

#: Weights of the check digit (the 10th) of a tax code over its first 9 digits.
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def enterprise_code_normalise(raw: str) -> str:
    """The enterprise code (*mã số doanh nghiệp*, which is the tax code — Luật Doanh nghiệp 2020
    Điều 29) as stored by the engine: ``0312345678`` or, for a dependent unit, ``0312345678-001``.

    Structure (Thông tư 105/2020/TT-BTC Điều 5): 10 digits, the 10th a check digit over the
    first nine; or 13 digits = those 10 plus a 3-digit unit number (001–999), written with a
    hyphen. Spaces and dots are ignored; the hyphen may be left out. ``ValidationFailed``
    otherwise."""
    text = re.sub(r"[\s.]", "", raw or "")
    digits = text.replace("-", "")
    if (
        not digits.isdigit()
        or len(digits) not in (10, 13)
        or text.count("-") > 1
        or ("-" in text and text.index("-") != 10)
    ):
        raise ValidationFailed(
            _(
                "Mã số doanh nghiệp (mã số thuế) gồm 10 chữ số, hoặc 13 chữ số cho đơn vị phụ "
                "thuộc (ví dụ 0312345678 hoặc 0312345678-001)."
            )
        )
    total = sum(w * int(d) for w, d in zip(_TAX_WEIGHTS, digits[:9], strict=True))
    if str((10 - total % 11) % 10) != digits[9]:
        raise ValidationFailed(
            _("Mã số thuế không đúng: chữ số kiểm tra (thứ 10) không khớp. Hãy kiểm tra lại.")
        )
    if len(digits) == 13:
        if digits[10:] == "000":
            raise ValidationFailed(_("Ba chữ số cuối của đơn vị phụ thuộc phải từ 001 đến 999."))
        return f"{digits[:10]}-{digits[10:]}"
    return digits


def _organisation_values(data: Mapping[str, Any]) -> dict[str, str]:
    values = {
        "name": nfc(str(data.get("name", ""))).strip()[:300],
        "address": nfc(str(data.get("address", ""))).strip()[:300],
        "representative": nfc(str(data.get("representative", ""))).strip()[:200],
    }
    if not values["name"]:
        raise ValidationFailed(_("Nhập tên tổ chức, doanh nghiệp."))
    if not values["address"]:
        raise ValidationFailed(_("Nhập địa chỉ trụ sở."))
    if not values["representative"]:
        raise ValidationFailed(_("Nhập họ tên người đại diện theo pháp luật."))
    return values


_DUPLICATE_CODE = gettext_noop(
    "Mã số doanh nghiệp này đã có tài khoản trên Cổng. Hãy đăng nhập bằng tài khoản đó hoặc "
    "đặt lại mật khẩu."
)


def organisation_register(
    *, identifier: str, password: str, enterprise_code: str, **details: Any
) -> User:
    """An organisation account (``UserKind.ORGANISATION``) with its profile: ``name``,
    ``address``, ``representative`` (the account's name); e-mail or phone as the sign-in name,
    verified by code like a citizen's. One account per enterprise code."""
    kind, ident = normalise_identifier(identifier)
    code = enterprise_code_normalise(enterprise_code)
    values = _organisation_values(details)
    if User.objects.filter(username=ident).exists():
        raise ValidationFailed(
            _(
                "Thư điện tử hoặc số điện thoại này đã được đăng ký. Hãy đăng nhập hoặc đặt lại "
                "mật khẩu."
            )
        )
    if OrganisationProfile.objects.filter(enterprise_code=code).exists():
        raise ValidationFailed(_(_DUPLICATE_CODE))
    user = User(username=ident, full_name=values["representative"], kind=UserKind.ORGANISATION)
    if kind == "email":
        user.email = ident
    else:
        user.phone = ident
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            CitizenProfile.objects.create(user=user, address=values["address"])
            OrganisationProfile.objects.create(user=user, enterprise_code=code, **values)
            audit_log(
                actor=user,
                action="portal.register",
                object_type="user",
                object_id=str(user.pk),
                data={"by": kind, "organisation": code},
            )
            code_send(user, CodePurpose.VERIFY)
    except IntegrityError:  # the same code registered at the same moment
        raise ValidationFailed(_(_DUPLICATE_CODE)) from None
    return user


def organisation_of(user: User) -> OrganisationProfile | None:
    if user.kind != UserKind.ORGANISATION:
        return None
    return OrganisationProfile.objects.filter(user=user).first()


def organisation_update(user: User, data: Mapping[str, Any]) -> list[str]:
    """Correct the organisation's name, address and representative (the enterprise code
    identifies the account and does not change here); field names are audited."""
    org = organisation_of(user)
    if org is None:
        raise NotFound(_("Tài khoản không phải tài khoản tổ chức."))
    values = _organisation_values(data)
    changed = [k for k, v in values.items() if getattr(org, k) != v]
    if changed:
        with transaction.atomic():
            for k in changed:
                setattr(org, k, values[k])
            org.save()
            if "representative" in changed:
                user.full_name = values["representative"]
                user.save(update_fields=["full_name"])
            audit_log(
                actor=user,
                action="portal.profile_update",
                object_type="user",
                object_id=str(user.pk),
                data={"fields": changed},
            )
    return changed


def oidc_user(*, subject: str, claims: Mapping[str, Any]) -> User:
    """The citizen account of an external identity (OpenID Connect ``sub``), created at the
    first sign-in with the verified claims."""
    profile = CitizenProfile.objects.select_related("user").filter(oidc_subject=subject).first()
    if profile is not None:
        return profile.user
    email = str(claims.get("email") or "").lower()
    with transaction.atomic():
        user = User(
            username=f"oidc:{subject}"[:150],
            full_name=nfc(str(claims.get("name") or ""))[:200],
            email=email[:254],
            kind=UserKind.CITIZEN,
        )
        user.set_unusable_password()
        user.save()
        now = timezone.now()
        CitizenProfile.objects.create(
            user=user,
            oidc_subject=subject,
            email_verified_at=now if email and claims.get("email_verified") else None,
            phone_verified_at=now,  # the identity provider verified the person
        )
        audit_log(
            actor=user,
            action="portal.register",
            object_type="user",
            object_id=str(user.pk),
            data={"by": "oidc"},
        )
    return user


# --- personal data store --------------------------------------------------------------------


def store_add(
    user: User,
    checked: CheckedFile,
    *,
    name: str,
    source: str = "upload",
    dossier: Dossier | None = None,
) -> StoredDocument:
    existing = StoredDocument.objects.filter(user=user, sha256=checked.sha256).first()
    if existing is not None:
        return existing
    doc = StoredDocument(
        user=user,
        name=nfc(name)[:300] or checked.filename,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        source=source,
        dossier=dossier,
    )
    doc.file.save(checked.stored_name, checked.content, save=False)
    doc.save()
    return doc


def store_delete(user: User, pk: int) -> None:
    doc = StoredDocument.objects.filter(user=user, pk=pk).first()
    if doc is None:
        raise NotFound(_("Không tìm thấy giấy tờ."))
    doc.file.delete(save=False)
    doc.delete()
    audit_log(
        actor=user, action="portal.store_delete", object_type="stored_document", object_id=str(pk)
    )


# --- drafts and submission ------------------------------------------------------------------


def draft_open(user: User, procedure: Procedure) -> Draft:
    """The citizen's open draft for this procedure, created with the profile's data."""
    version = procedure_version_for(procedure)
    if version is None or not version.channels.filter(channel=Channel.ONLINE).exists():
        raise ValidationFailed(_("Thủ tục này chưa nhận hồ sơ trực tuyến."))
    draft = Draft.objects.filter(user=user, procedure=procedure, status=DraftStatus.OPEN).first()
    if draft is not None:
        return draft
    profile = profile_of(user)
    org = organisation_of(user)
    if org is not None:
        applicant: dict[str, str] = {
            "kind": ApplicantKind.ORGANISATION,
            "organisation_name": org.name,
            "enterprise_code": org.enterprise_code,
            "full_name": org.representative,
            "phone": user.phone,
            "email": user.email,
            "address": org.address,
        }
        return Draft.objects.create(
            user=user, procedure=procedure, data={"applicant": applicant, "fields": {}}
        )
    data = {
        "applicant": {
            "full_name": user.full_name,
            "personal_id": user.personal_id,
            "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else "",
            "phone": user.phone,
            "email": user.email,
            "address": profile.address,
        },
        "fields": {},
    }
    return Draft.objects.create(user=user, procedure=procedure, data=data)


def draft_for(user: User, uuid: Any) -> Draft:
    draft = Draft.objects.filter(user=user, uuid=uuid, status=DraftStatus.OPEN).first()
    if draft is None:
        raise NotFound(_("Không tìm thấy hồ sơ nháp."))
    return draft


def draft_save(draft: Draft, *, step: str, **parts: Any) -> None:
    data = dict(draft.data)
    data.update(parts)
    draft.data = data
    draft.step = step
    draft.save(update_fields=["data", "step", "updated_at"])


def draft_attach(
    draft: Draft,
    *,
    required: RequiredDocument | None,
    checked: CheckedFile | None = None,
    stored: StoredDocument | None = None,
) -> DraftFile:
    """Attach an uploaded file, or a document of the store (reuse), to a component; replaces
    the component's previous file."""
    if required is not None:
        version = procedure_version_for(draft.procedure)
        if version is None or required.version_id != version.pk:
            raise ValidationFailed(_("Giấy tờ không thuộc thủ tục này."))
        for old in draft.files.filter(required_document=required):
            if old.file:
                old.file.delete(save=False)
            old.delete()
    if stored is not None:
        if stored.user_id != draft.user_id:
            raise NotFound(_("Không tìm thấy giấy tờ."))
        return DraftFile.objects.create(
            draft=draft,
            required_document=required,
            stored=stored,
            filename=stored.filename,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
        )
    if checked is None:
        raise ValidationFailed(_("Chọn tệp để tải lên."))
    row = DraftFile(
        draft=draft,
        required_document=required,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    row.file.save(checked.stored_name, checked.content, save=False)
    row.save()
    return row


def _documents(files: Sequence[DraftFile]) -> list[DocumentInput]:
    out = []
    for f in files:
        source = f.stored.file if f.stored is not None else f.file
        source.open("rb")
        data = source.read()
        source.close()
        ext = f.filename.rsplit(".", 1)[-1].lower() if "." in f.filename else "bin"
        out.append(
            DocumentInput(
                required_document=f.required_document,
                name=f.filename if f.required_document is None else "",
                form=DocumentForm.ELECTRONIC,
                file=ContentFile(data, name=f"{f.sha256[:16]}.{ext}"),
                content_type=f.content_type,
                reused=f.stored is not None,
                reuse_source=REUSE_SOURCE if f.stored is not None else "",
            )
        )
    return out


def draft_submit(draft: Draft, *, receiving_agency: Agency, return_method: str) -> Dossier:
    """Submit through the engine (``dossier_submit_online``): the code is issued at once;
    uploads go to the personal data store for later reuse."""
    user = draft.user
    if not profile_of(user).verified:
        raise ValidationFailed(
            _(
                "Tài khoản chưa được xác minh. Hãy nhập mã xác minh đã gửi đến thư điện tử hoặc "
                "số điện thoại trước khi nộp hồ sơ."
            )
        )
    version = procedure_version_for(draft.procedure)
    if version is None:
        raise ValidationFailed(_("Thủ tục không còn hiệu lực."))
    if not version.receiving_agencies.filter(pk=receiving_agency.pk).exists():
        raise ValidationFailed(_("Nơi tiếp nhận không đúng với thủ tục."))
    a = draft.data.get("applicant", {})
    organisation = a.get("kind") == ApplicantKind.ORGANISATION
    org = organisation_of(user)
    if organisation:
        # The code identifies the organisation: always the account's own, never typed in.
        if org is None:
            raise ValidationFailed(_("Tài khoản không phải tài khoản tổ chức."))
        if not a.get("organisation_name"):
            raise ValidationFailed(_("Thiếu tên tổ chức, doanh nghiệp nộp hồ sơ."))
    elif not a.get("full_name") or not a.get("personal_id"):
        raise ValidationFailed(_("Thiếu họ tên hoặc số định danh cá nhân của người nộp."))
    files = list(draft.files.select_related("stored", "required_document"))
    fee = next((f.amount for f in version.fees.all() if f.channel == Channel.ONLINE), None)
    with transaction.atomic():
        dossier = engine.dossier_submit_online(
            actor=user,
            procedure=version,
            receiving_agency=receiving_agency,
            applicant=ApplicantInput(
                kind=ApplicantKind.ORGANISATION if organisation else ApplicantKind.PERSON,
                organisation_name=a.get("organisation_name", "") if organisation else "",
                enterprise_code=org.enterprise_code if org is not None and organisation else "",
                full_name=a.get("full_name", ""),
                personal_id="" if organisation else a.get("personal_id", ""),
                date_of_birth=dt.date.fromisoformat(a["date_of_birth"])
                if a.get("date_of_birth")
                else None,
                phone=a.get("phone", ""),
                email=a.get("email", ""),
                address=a.get("address", ""),
                user=user,
                # Proven only by the national identity provider, for the account's own ID.
                identity_verified=bool(profile_of(user).oidc_subject)
                and not organisation
                and bool(user.personal_id)
                and user.personal_id == a.get("personal_id", ""),
            ),
            documents=_documents(files),
            return_method=return_method,
            summary=summary_of(draft.data.get("schema", {}), draft.data.get("fields", {})),
            fee_amount=fee,
        )
        for f in files:
            if f.stored is None and f.file:
                f.file.open("rb")
                data = f.file.read()
                f.file.close()
                name = f.required_document.name if f.required_document else f.filename
                _store_bytes(user, data, f, name=name, dossier=dossier)
        draft.status = DraftStatus.SUBMITTED
        draft.dossier = dossier
        draft.save(update_fields=["status", "dossier", "updated_at"])
        from motcua.portal.payments import prepayment_to_dossier

        prepayment_to_dossier(draft, dossier)
    return dossier


def _store_bytes(
    user: User, data: bytes, f: Any, *, name: str, dossier: Dossier | None, source: str = "upload"
) -> StoredDocument:
    checked = CheckedFile(
        content=ContentFile(data, name=f"{f.sha256[:32]}.{f.filename.rsplit('.', 1)[-1][:5]}"),
        filename=f.filename,
        content_type=f.content_type,
        size=len(data),
        sha256=f.sha256,
    )
    return store_add(user, checked, name=name, source=source, dossier=dossier)


# --- after submission -----------------------------------------------------------------------


def answer_supplement(user: User, code: str, files: Sequence[CheckedFile]) -> Dossier:
    """Answer a supplement request with uploads: at reception (``dossier_resubmit``) or after
    appraisal (``dossier_receive_supplement``, the time limit restarts — NĐ 118/2025 Điều 19
    khoản 5)."""
    dossier = access_dossier_for_citizen(user, code)
    if not files:
        raise ValidationFailed(_("Hãy tải lên ít nhất một giấy tờ bổ sung."))
    docs = [
        DocumentInput(
            name=f"Bổ sung: {c.filename}"[:200],
            form=DocumentForm.ELECTRONIC,
            file=c.content,
            content_type=c.content_type,
        )
        for c in files
    ]
    if dossier.status == S.SUPPLEMENT_REQUESTED_AT_RECEPTION:
        result = engine.dossier_resubmit(
            actor=user, dossier=dossier.pk, documents=docs, expected_version=dossier.version
        )
    elif dossier.status == S.SUPPLEMENT_REQUESTED:
        result = engine.dossier_receive_supplement(
            actor=user, dossier=dossier.pk, documents=docs, expected_version=dossier.version
        )
    else:
        raise ValidationFailed(_("Hồ sơ không ở trạng thái chờ bổ sung."))
    return result


def signed_result(dossier: Dossier) -> Any:
    """The dossier's signed electronic result (the officer workspace's ``ResultDocument``
    signed with the agency certificate, PAdES), once the dossier is resolved or returned;
    ``None`` otherwise."""
    from motcua.workspace.models import ResultDocument

    if dossier.status not in (S.RESOLVED, S.RETURNED):
        return None
    return (
        ResultDocument.objects.filter(dossier=dossier)
        .exclude(signed_file="")
        .order_by("-signed_at", "-id")
        .first()
    )


def result_to_store(user: User, dossier: Dossier, result: Any) -> StoredDocument:
    """The signed result lands in the citizen's personal data store (idempotent: one copy per
    file content), so it can be reused in later procedures."""
    existing = StoredDocument.objects.filter(user=user, sha256=result.signed_sha256).first()
    if existing is not None:
        return existing
    with result.signed_file.open("rb") as handle:
        data = handle.read()
    checked = CheckedFile(
        content=ContentFile(data, name=f"{result.signed_sha256[:32]}.pdf"),
        filename=f"ket-qua-{dossier.code}.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=result.signed_sha256,
    )
    return store_add(
        user, checked, name=result.name, source=StoredDocument.Source.RESULT, dossier=dossier
    )
