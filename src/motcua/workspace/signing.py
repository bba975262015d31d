"""Digital signatures of results (ký số kết quả giải quyết, NĐ 118/2025 Điều 19 khoản 1,
Điều 22 khoản 1) with pyhanko: PAdES signatures by the agency's certificate.

The administrator puts each agency's PKCS#12 certificate in ``MOTCUA_SIGNING_DIR`` as
``{agency code}.p12`` (or one ``default.p12``), with ``MOTCUA_SIGNING_PASSPHRASE``. A real
deployment uses the certificate issued by the Ban Cơ yếu Chính phủ; the demo and the tests use a
self-signed one made by :func:`make_self_signed` (``motcua workspace democert``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

from motcua.common.errors import ValidationFailed


def _dir() -> Path:
    return Path(settings.MOTCUA_SIGNING_DIR)


def _passphrase() -> bytes | None:
    text = settings.MOTCUA_SIGNING_PASSPHRASE
    return text.encode() if text else None


def certificate_path(agency_code: str) -> Path | None:
    """The agency's PKCS#12 file, else the default one, else ``None``."""
    for name in (f"{agency_code}.p12", "default.p12"):
        path = _dir() / name
        if path.is_file():
            return path
    return None


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (X.509 name attributes count bytes)."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text.rstrip()


def make_self_signed(path: Path, common_name: str, *, passphrase: bytes | None = None) -> Path:
    """A self-signed signing certificate (RSA 2048, 3 years) for the demo and the tests."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(common_name, 64)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(common_name, 44) + " (thử nghiệm)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"motcua", key, cert, None, encryption))
    return path


def _signer(agency_code: str):  # type: ignore[no-untyped-def]
    from pyhanko.sign import signers

    path = certificate_path(agency_code)
    if path is None:
        raise ValidationFailed(
            "Chưa cấu hình chứng thư số của cơ quan để ký kết quả; đề nghị quản trị hệ thống "
            f"đặt tệp {agency_code}.p12 (hoặc default.p12) vào thư mục chứng thư số."
        )
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=_passphrase())
    if signer is None:
        raise ValidationFailed("Không đọc được chứng thư số của cơ quan (sai mật khẩu?).")
    return signer


def sign_pdf(data: bytes, agency_code: str, *, reason: str, location: str) -> tuple[bytes, str]:
    """``data`` signed (PAdES baseline B) with the agency certificate; and the signer's
    subject as text."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(agency_code)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except Exception as exc:
        raise ValidationFailed(f"Tệp kết quả không phải PDF đọc được: {exc}") from None
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKySo",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue(), signer.signing_cert.subject.human_friendly


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    signer: str
    summary: str


def verify_pdf(data: bytes, agency_code: str) -> SignatureCheck:
    """Check the PDF's signature against the agency certificate as the trust root: the
    document is unchanged since signing (intact), the signature is cryptographically valid and
    made by that certificate (trusted)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(data), strict=False)
    if not reader.embedded_signatures:
        return SignatureCheck(False, False, False, False, "", "Tệp chưa có chữ ký số.")
    signer = _signer(agency_code)
    context = ValidationContext(trust_roots=[signer.signing_cert], allow_fetching=False)
    status = validate_pdf_signature(reader.embedded_signatures[-1], context)
    subject = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    ok = bool(status.intact and status.valid and status.trusted)
    return SignatureCheck(
        True,
        bool(status.intact),
        bool(status.valid),
        bool(status.trusted),
        subject,
        "Chữ ký số hợp lệ, tài liệu không bị thay đổi sau khi ký."
        if ok
        else "Chữ ký số KHÔNG hợp lệ hoặc tài liệu đã bị thay đổi sau khi ký.",
    )
