"""Import procedures from JSON in the layout of ``data/procedures.json``.

Rules (docs/catalogue.md):

* the whole file is validated first; a malformed file is rejected with messages naming the
  record (index in the JSON array, from 0, and its code) and the field — nothing is imported;
* the import runs in one transaction: all records or none;
* free-text time limits and fees are structured by :mod:`motcua.catalogue.parsing`; a record
  whose text is not understood with full confidence is marked *cần rà soát* with the reasons,
  and its original text is kept (the importer never guesses);
* idempotent: each version stores the SHA-256 of its source record; a record equal to the one
  the latest version came from changes nothing, a changed record becomes a new version published
  from ``publish_from`` (a published version is never edited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils import timezone

from motcua.agencies.models import Agency
from motcua.catalogue import parsing
from motcua.catalogue.models import (
    PROCEDURE_CODE_PATTERN,
    Channel,
    ChannelOption,
    Fee,
    Field,
    LegalBasis,
    OnlineLevel,
    Procedure,
    ProcedureLevel,
    ProcedureResult,
    ProcedureVersion,
    ProcessStep,
    RequiredDocument,
    TimeLimit,
    VersionStatus,
)
from motcua.catalogue.selectors import procedure_version_latest
from motcua.catalogue.services import default_process_steps, procedure_version_publish
from motcua.common.errors import ValidationFailed
from motcua.common.text import nfc

if TYPE_CHECKING:
    from motcua.accounts.models import User


def default_catalogue_file() -> Path:
    """The 30 sample procedures shipped with motcua (demo data)."""
    return Path(str(resources.files("motcua.catalogue") / "data" / "procedures.json"))


class AgencyLinks(Protocol):
    """Agency codes (mã định danh) a record is linked to; given by the caller, e.g. the demo."""

    @property
    def competent(self) -> Sequence[str]: ...

    @property
    def receiving(self) -> Sequence[str]: ...

    @property
    def coordinating(self) -> Sequence[str]: ...


AgenciesFor = Callable[[dict[str, Any]], AgencyLinks]


class ImportRejected(ValidationFailed):
    """The file was refused; ``errors`` lists every problem found (Vietnamese)."""

    code = "import_rejected"

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = errors[:20]
        more = f"\n… và {len(errors) - 20} lỗi khác." if len(errors) > 20 else ""
        super().__init__("Tệp bị từ chối, không nhập bản ghi nào:\n" + "\n".join(shown) + more)


# field name → (required, allowed types, Vietnamese type name)
_STR = (str,)
_OPT_STR = (str, type(None))
_SCHEMA: dict[str, tuple[bool, tuple[type, ...], str]] = {
    "code": (True, _STR, "chuỗi"),
    "name": (True, _STR, "chuỗi"),
    "field": (True, _STR, "chuỗi"),
    "level": (True, _STR, "chuỗi"),
    "agency": (True, _STR, "chuỗi"),
    "time_limit": (True, _STR, "chuỗi"),
    "fee": (True, _STR, "chuỗi"),
    "documents": (True, (list,), "danh sách"),
    "legal_basis": (True, (list,), "danh sách"),
    "result": (False, _OPT_STR, "chuỗi hoặc null"),
    "online": (False, _OPT_STR, "chuỗi hoặc null"),
    "online_level": (False, _OPT_STR, "chuỗi hoặc null"),
    "source": (False, _OPT_STR, "chuỗi hoặc null"),
    "documents_note": (False, _OPT_STR, "chuỗi hoặc null"),
    "subject": (False, _OPT_STR, "chuỗi hoặc null"),
    "province": (False, _OPT_STR, "chuỗi hoặc null"),
    "dossier_count": (False, _OPT_STR, "chuỗi hoặc null"),
    "notes": (False, _OPT_STR, "chuỗi hoặc null"),
}
_NON_EMPTY = ("code", "name", "field", "level", "time_limit", "fee")
_DOC_KEYS = {"name", "original", "copy", "case", "form_url"}


def _label(index: int, record: Any) -> str:
    code = record.get("code") if isinstance(record, dict) else None
    return f"Bản ghi {index} ({code})" if isinstance(code, str) and code else f"Bản ghi {index}"


def _is_count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def validate_records(data: Any) -> list[str]:
    """Every problem of a decoded file, in Vietnamese; empty when the file may be imported."""
    if not isinstance(data, list):
        return ["Tệp phải chứa một danh sách (mảng JSON) các thủ tục."]
    if not data:
        return ["Tệp không có thủ tục nào."]
    errors: list[str] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(data):
        where = _label(index, record)
        if not isinstance(record, dict):
            errors.append(f"{where}: phải là một đối tượng JSON")
            continue
        for key in sorted(set(record) - set(_SCHEMA)):
            errors.append(f'{where}: trường "{key}" không được hỗ trợ')
        for key, (required, types, type_name) in _SCHEMA.items():
            if key not in record:
                if required:
                    errors.append(f'{where}: thiếu trường "{key}"')
                continue
            value = record[key]
            if not isinstance(value, types):
                errors.append(f'{where}: trường "{key}" phải là {type_name}')
            elif key in _NON_EMPTY and not str(value).strip():
                errors.append(f'{where}: trường "{key}" không được để trống')
        code = record.get("code")
        if isinstance(code, str) and code.strip():
            if not re.match(PROCEDURE_CODE_PATTERN, code.strip()):
                errors.append(
                    f'{where}: trường "code" phải có dạng N.NNNNNN (ví dụ 1.004222), '
                    f"nhận được “{code}”"
                )
            elif code.strip() in seen:
                errors.append(f'{where}: trường "code" trùng với bản ghi {seen[code.strip()]}')
            else:
                seen[code.strip()] = index
        documents = record.get("documents")
        if isinstance(documents, list):
            for d_index, doc in enumerate(documents):
                doc_where = f'{where}: trường "documents[{d_index}]"'
                if not isinstance(doc, dict):
                    errors.append(f"{doc_where} phải là một đối tượng")
                    continue
                if not isinstance(doc.get("name"), str) or not doc["name"].strip():
                    errors.append(f'{doc_where}: thiếu "name" (tên giấy tờ)')
                for key in ("original", "copy"):
                    if not _is_count(doc.get(key)):
                        errors.append(f'{doc_where}: "{key}" phải là số nguyên ≥ 0 hoặc null')
                for key in ("case", "form_url"):
                    if not isinstance(doc.get(key, ""), str | None):
                        errors.append(f'{doc_where}: "{key}" phải là chuỗi')
                for key in sorted(set(doc) - _DOC_KEYS):
                    errors.append(f'{doc_where}: "{key}" không được hỗ trợ')
        legal = record.get("legal_basis")
        if isinstance(legal, list):
            for l_index, item in enumerate(legal):
                if not isinstance(item, str) or not item.strip():
                    errors.append(
                        f'{where}: trường "legal_basis[{l_index}]" phải là chuỗi khác rỗng'
                    )
    return errors


def load_records(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a file; :class:`ImportRejected` names every problem."""
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ImportRejected([f"Không tìm thấy tệp {file}."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRejected([f"Không đọc được tệp {file} (cần UTF-8): {exc}"]) from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            [f"Tệp {file} không phải JSON hợp lệ: dòng {exc.lineno}, cột {exc.colno}: {exc.msg}"]
        ) from None
    errors = validate_records(data)
    if errors:
        raise ImportRejected(errors)
    return data


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    return value


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record in canonical JSON (NFC, sorted keys)."""
    canonical = json.dumps(
        _normalise(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------- structuring


def parse_level(text: str) -> ProcedureLevel | None:
    """ "Cấp Tỉnh (…)" → province; "Cấp Xã" → commune; "Cấp Bộ" → ministry; else None."""
    found = {
        level
        for pattern, level in (
            (r"cấp bộ", ProcedureLevel.MINISTRY),
            (r"cấp tỉnh", ProcedureLevel.PROVINCE),
            (r"cấp xã", ProcedureLevel.COMMUNE),
        )
        if re.search(pattern, text, re.IGNORECASE)
    }
    return found.pop() if len(found) == 1 else None


def parse_online_level(text: str | None) -> OnlineLevel | None:
    """NĐ 42/2022 levels; legacy "mức độ 4" → toàn trình, "mức độ 3" → một phần (rules §5.1)."""
    if text is None or not text.strip():
        return OnlineLevel.UNKNOWN
    lowered = text.lower()
    if "toàn trình" in lowered or re.search(r"\b4\b", lowered):
        return OnlineLevel.FULL
    if "một phần" in lowered or re.search(r"\b3\b", lowered):
        return OnlineLevel.PARTIAL
    if re.search(r"không|\b[12]\b", lowered):
        return OnlineLevel.NONE
    return None


@dataclass
class Structured:
    """What one record becomes, before it touches the database (pure)."""

    time_limit: parsing.TimeLimitParse
    fee: parsing.FeeParse
    channels: tuple[Channel, ...]
    level: ProcedureLevel | None
    online_level: OnlineLevel
    target_groups: tuple[str, ...]
    reasons: list[dict[str, str]] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)


def structure_record(record: dict[str, Any]) -> Structured:
    """Parse the free-text parts of a record; collect every review reason (Vietnamese)."""
    time_limit = parsing.parse_time_limit(record["time_limit"])
    fee = parsing.parse_fee(record["fee"])
    found = parsing.parse_channels(record.get("online") or "", record["fee"])
    named = fee.channels_named()
    channels = tuple(Channel(c.value) for c in parsing.ALL_CHANNELS if c in found or c in named)
    reasons = [{"field": "time_limit", "reason": reason} for reason in time_limit.reasons]
    reasons += [{"field": "fee", "reason": reason} for reason in fee.reasons]
    if not channels:
        channels = (Channel.DIRECT,)
        reasons.append(
            {
                "field": "online",
                "reason": "Không xác định được cách thức thực hiện; tạm ghi “trực tiếp”",
            }
        )
    if not fee.needs_review:
        for channel in channels:
            applies = [f for f in fee.fees if not f.channels or channel.value in f.channels]
            if not applies:
                reasons.append(
                    {
                        "field": "fee",
                        "reason": f"Không có mức phí cho hình thức “{channel.label}”",
                    }
                )
    level = parse_level(record["level"])
    if level is None:
        reasons.append(
            {"field": "level", "reason": f"Không xác định được cấp thực hiện “{record['level']}”"}
        )
    online_level = parse_online_level(record.get("online_level"))
    if online_level is None:
        reasons.append(
            {
                "field": "online_level",
                "reason": f"Không nhận dạng được mức độ DVCTT “{record['online_level']}”",
            }
        )
        online_level = OnlineLevel.UNKNOWN
    groups = parsing.parse_target_groups(record.get("subject")).groups
    return Structured(time_limit, fee, channels, level, online_level, groups, reasons)


def _create_version(
    procedure: Procedure,
    record: dict[str, Any],
    digest: str,
    data: Structured,
    links: dict[str, list[Agency]] | None = None,
) -> ProcedureVersion:
    field_obj, _ = Field.objects.get_or_create(name=nfc(record["field"]))
    version = ProcedureVersion(
        procedure=procedure,
        name=nfc(record["name"]),
        field=field_obj,
        level=data.level or "",
        level_text=nfc(record["level"]),
        target_groups=list(data.target_groups),
        target_groups_text=nfc(record.get("subject") or ""),
        agency_text=nfc(record["agency"]),
        dossier_count=nfc(record.get("dossier_count") or ""),
        documents_note=nfc(record.get("documents_note") or ""),
        online_level=data.online_level,
        online_text=nfc(record.get("online") or ""),
        time_limit_text=data.time_limit.text,
        fee_text=data.fee.text,
        fee_note=data.fee.note,
        needs_review=data.needs_review,
        review_reasons=data.reasons,
        source=nfc(record.get("source") or ""),
        source_province=nfc(record.get("province") or "")[:255],
        source_hash=digest,
        notes=nfc(record.get("notes") or ""),
    )
    version.save()
    ChannelOption.objects.bulk_create(
        ChannelOption(version=version, channel=channel) for channel in data.channels
    )
    limits: list[TimeLimit] = []
    fees: list[Fee] = []
    for channel in data.channels:
        for order, parsed in enumerate(data.time_limit.limits, start=1):
            limits.append(
                TimeLimit(
                    version=version,
                    channel=channel,
                    order=order,
                    value=parsed.value,
                    value_max=parsed.value_max,
                    unit=parsed.unit or "",
                    condition=parsed.condition or "",
                    is_default=parsed.is_default,
                    note=parsed.note,
                )
            )
        order = 0
        for parsed_fee in data.fee.fees:
            if parsed_fee.channels and channel.value not in parsed_fee.channels:
                continue
            order += 1
            fees.append(
                Fee(
                    version=version,
                    channel=channel,
                    order=order,
                    amount=parsed_fee.amount,
                    description=parsed_fee.description,
                    condition=parsed_fee.condition or "",
                )
            )
    TimeLimit.objects.bulk_create(limits)
    Fee.objects.bulk_create(fees)
    RequiredDocument.objects.bulk_create(
        RequiredDocument(
            version=version,
            order=order,
            name=nfc(doc["name"]),
            originals=doc.get("original"),
            copies=doc.get("copy"),
            case=nfc(doc.get("case") or ""),
            form_url=doc.get("form_url") or "",
        )
        for order, doc in enumerate(record["documents"], start=1)
    )
    if record.get("result"):
        ProcedureResult.objects.create(version=version, order=1, name=nfc(record["result"]))
    LegalBasis.objects.bulk_create(
        LegalBasis(version=version, order=order, text=nfc(text))
        for order, text in enumerate(record["legal_basis"], start=1)
    )
    ProcessStep.objects.bulk_create(default_process_steps(version))
    for relation, agencies in (links or {}).items():
        getattr(version, f"{relation}_agencies").set(agencies)
    return version


@dataclass
class ImportReport:
    total: int = 0
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    needs_review: list[str] = field(default_factory=list)
    time_limit_review: list[str] = field(default_factory=list)

    def _count(self, version: ProcedureVersion) -> None:
        code = version.procedure.code
        if version.needs_review:
            self.needs_review.append(code)
        if any(item.get("field") == "time_limit" for item in version.review_reasons):
            self.time_limit_review.append(code)

    def summary(self) -> str:
        structured = self.total - len(self.time_limit_review)
        return (
            f"{self.total} thủ tục: {len(self.created)} tạo mới, "
            f"{len(self.unchanged)} không đổi, {len(self.new_versions)} phiên bản mới; "
            f"thời hạn có cấu trúc: {structured}, thời hạn cần rà soát: "
            f"{len(self.time_limit_review)}; {len(self.needs_review)} thủ tục cần rà soát "
            "(thời hạn hoặc phí, lệ phí)."
        )


def _conflicts(records: list[dict[str, Any]], digests: list[str]) -> list[str]:
    """Records that would need a new version while someone edits a draft of that procedure."""
    errors: list[str] = []
    codes = [record["code"].strip() for record in records]
    drafts = dict(
        ProcedureVersion.objects.filter(
            procedure__code__in=codes, status=VersionStatus.DRAFT
        ).values_list("procedure__code", "source_hash")
    )
    for index, record in enumerate(records):
        code = record["code"].strip()
        if code in drafts and drafts[code] != digests[index]:
            errors.append(
                f"{_label(index, record)}: thủ tục đang có bản nháp chưa công bố; "
                "hãy công bố hoặc xóa bản nháp trước khi nhập bản ghi đã thay đổi"
            )
    return errors


_RELATIONS = ("competent", "receiving", "coordinating")


def _resolve_links(
    records: list[dict[str, Any]], agencies_for: AgenciesFor | None
) -> tuple[list[dict[str, list[Agency]] | None], list[str]]:
    """The agencies of each record, looked up by code; unknown codes are errors."""
    if agencies_for is None:
        return [None] * len(records), []
    wanted = [agencies_for(record) for record in records]
    codes = {code for links in wanted for rel in _RELATIONS for code in getattr(links, rel)}
    known = {agency.code: agency for agency in Agency.objects.filter(code__in=codes)}
    errors: list[str] = []
    resolved: list[dict[str, list[Agency]] | None] = []
    for index, (record, links) in enumerate(zip(records, wanted, strict=True)):
        missing = sorted(
            {code for rel in _RELATIONS for code in getattr(links, rel) if code not in known}
        )
        if missing:
            errors.append(
                f'{_label(index, record)}: trường "agency": không có cơ quan mã '
                + ", ".join(missing)
            )
        resolved.append(
            {rel: [known[c] for c in getattr(links, rel) if c in known] for rel in _RELATIONS}
        )
    return resolved, errors


def _links_digest(digest: str, links: dict[str, list[Agency]] | None) -> str:
    """The agency links are content of the version: they take part in the hash."""
    if links is None:
        return digest
    codes = {rel: sorted(agency.code for agency in agencies) for rel, agencies in links.items()}
    canonical = json.dumps({"record": digest, "agencies": codes}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def catalogue_import(
    records: list[dict[str, Any]],
    *,
    publish_from: dt.date | None = None,
    actor: User | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    agencies_for: AgenciesFor | None = None,
) -> ImportReport:
    """Import validated records in one transaction (see the module docstring).

    ``agencies_for(record)``, when given, names the competent, receiving and coordinating
    agencies (by code) of each record; the links are part of the version and of its hash.
    """
    errors = validate_records(records)
    if errors:
        raise ImportRejected(errors)
    effective_from = publish_from or timezone.localdate()
    report = ImportReport(total=len(records))
    with transaction.atomic():
        all_links, errors = _resolve_links(records, agencies_for)
        digests = [
            _links_digest(record_hash(record), links)
            for record, links in zip(records, all_links, strict=True)
        ]
        errors += _conflicts(records, digests)
        if errors:
            raise ImportRejected(errors)
        items: Iterable[dict[str, Any]] = progress(records) if progress else records
        for index, record in enumerate(items):
            code = record["code"].strip()
            digest = digests[index]
            procedure = Procedure.objects.filter(code=code).first()
            latest = procedure_version_latest(procedure) if procedure else None
            if latest is not None and latest.source_hash == digest:
                report.unchanged.append(code)
                report._count(latest)
                continue
            data = structure_record(record)
            if procedure is None:
                procedure = Procedure.objects.create(code=code, name=nfc(record["name"]))
                report.created.append(code)
            else:
                report.new_versions.append(code)
            version = _create_version(procedure, record, digest, data, all_links[index])
            try:
                procedure_version_publish(version, effective_from, actor)
            except ValidationFailed as exc:
                raise ImportRejected([f"{_label(index, record)}: {exc}"]) from exc
            report._count(version)
    return report


def catalogue_import_file(
    path: str | Path | None = None,
    *,
    publish_from: dt.date | None = None,
    actor: User | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    agencies_for: AgenciesFor | None = None,
) -> ImportReport:
    """Validate and import a file (default: the shipped sample of 30 procedures)."""
    records = load_records(path or default_catalogue_file())
    return catalogue_import(
        records,
        publish_from=publish_from,
        actor=actor,
        progress=progress,
        agencies_for=agencies_for,
    )
