"""Parse the free-text time limits and fees of published procedures. Pure Python, no database.

The national procedures database (CSDLQG TTHC, NĐ 63/2010 Đ8.2 đ and the "phí, lệ phí" item;
rules.md §6.1) publishes *thời hạn giải quyết* and *phí, lệ phí* as prose. The due moment of a
dossier (ND118 Đ17.3: the clock runs from full, valid acceptance) needs one number and one unit,
so the catalogue stores structured values — but only when the text says so without doubt.

The rule of this module: **never guess**. Every outcome is either a structured value or a
Vietnamese reason why a person must review the text (the original text is always kept by the
caller). Parts that are certain are still returned next to the reasons, so a reviewer only has
to fill the gap (for instance pick the unit of a bare "ngày").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from motcua.common.text import nfc
from motcua.workcalendar.units import TimeLimitUnit


class Channel(StrEnum):
    """Submission channels (ND118 Đ15; national codes 1 / 2 / 3)."""

    DIRECT = "direct"
    ONLINE = "online"
    POSTAL = "postal"


ALL_CHANNELS: tuple[Channel, ...] = (Channel.DIRECT, Channel.ONLINE, Channel.POSTAL)

CHANNEL_LABELS: dict[Channel, str] = {
    Channel.DIRECT: "trực tiếp",
    Channel.ONLINE: "trực tuyến",
    Channel.POSTAL: "bưu chính",
}


# --------------------------------------------------------------------------- time limits


@dataclass(frozen=True)
class ParsedTimeLimit:
    """One structured time limit. ``unit`` is None when the text does not say which unit."""

    value: Decimal
    unit: TimeLimitUnit | None
    value_max: Decimal | None = None
    condition: str | None = None
    is_default: bool = True
    note: str = ""


@dataclass(frozen=True)
class TimeLimitParse:
    text: str
    limits: tuple[ParsedTimeLimit, ...]
    reasons: tuple[str, ...]

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)


_NUMBER = r"\d+(?:[.,]\d+)?|\d+/\d+"
_QTY = rf"(?P<max>không quá\s+|tối đa\s+)?(?P<a>{_NUMBER})(?:\s*[-–]\s*(?P<b>{_NUMBER}))?"
_UNIT = r"(?P<unit>ngày làm việc|giờ làm việc|ngày|giờ|tháng)"
_LEAD_IN = r"(?:(?:trong\s+)?thời hạn(?: giải quyết)?(?: là)?\s+|trong (?:vòng\s+)?)?"
_PIECE = re.compile(rf"^{_LEAD_IN}{_QTY}\s+{_UNIT}(?![\wÀ-ỹ])(?P<rest>.*)$", re.IGNORECASE)
_SAME_DAY = re.compile(
    r"^(?:giải quyết\s+)?trong (?:cùng\s+)?ngày(?: làm việc)?(?![\wÀ-ỹ])(?P<rest>.*)$",
    re.IGNORECASE,
)
# ND118 Đ17.3: the clock starts at full, valid acceptance; the usual phrase restates that default.
_STANDARD_START = re.compile(
    r"^,?\s*(?:tính\s+)?kể từ (?:ngày |khi |thời điểm )?(?:nhận|tiếp nhận)(?: được)?(?: đủ)?"
    r" hồ sơ(?: đầy đủ)?(?:,| và)?\s*hợp lệ$",
    re.IGNORECASE,
)
_IMMEDIATE = re.compile(r"(?<![\wÀ-ỹ])ngay(?![\wÀ-ỹ])", re.IGNORECASE)
_EXTENSION = re.compile(r"kéo dài|tăng thêm|gia hạn", re.IGNORECASE)
_SPLIT_PIECES = re.compile(r";\s*|\.\s+(?=\d)|(?<=\))\s+(?=\d)")
_TRAILING_PAREN = re.compile(r"^(?P<body>.*?)\s*\((?P<paren>[^()]*)\)$")

_UNITS: dict[str, TimeLimitUnit | None] = {
    "ngày làm việc": TimeLimitUnit.WORKING_DAYS,
    "giờ làm việc": TimeLimitUnit.WORKING_HOURS,
    "tháng": TimeLimitUnit.MONTHS,
    "ngày": None,  # calendar or working days? the text does not say
    "giờ": None,  # clock hours or working hours?
}


def _number(raw: str) -> Decimal:
    if "/" in raw:
        num, den = raw.split("/")
        return Decimal(num) / Decimal(den)
    return Decimal(raw.replace(",", "."))


def _clean(text: str) -> str:
    return nfc(text).strip().rstrip(".").strip()


def _quote(text: str) -> str:
    return f"“{text}”"


def _peel_standalone_notes(text: str) -> tuple[str, list[str]]:
    """Split "body. (note). (note)" into the body and its stand-alone notes.

    A parenthesis that follows a full stop is a sentence of its own (an alternative "Hoặc …",
    an extension, a special case); one glued to a quantity is that quantity's condition.
    """
    notes: list[str] = []
    body = text
    while True:
        match = re.match(r"^(?P<body>.*\S)\s*\.\s*\((?P<note>[^()]*)\)\s*\.?$", body)
        if match is None:
            return body, notes
        notes.insert(0, match["note"].strip())
        body = match["body"]


def _parse_piece(piece: str, reasons: list[str]) -> ParsedTimeLimit | None:
    """One alternative: "[Trong thời hạn] N <unit> [kể từ …] [(điều kiện) | : điều kiện]"."""
    piece = piece.strip().rstrip(".").strip()
    unit: TimeLimitUnit | None
    same_day = _SAME_DAY.match(piece)
    if same_day is not None:
        # Same day: no day is added to the day of reception (the cut-off hour still applies).
        value, value_max, unit = Decimal(0), None, TimeLimitUnit.SAME_DAY
        rest = same_day["rest"]
    else:
        match = _PIECE.match(piece)
        if match is None:
            if _IMMEDIATE.search(piece):
                reasons.append(
                    f"{_quote(piece)}: “ngay” (giải quyết ngay) không có đơn vị thời hạn tương "
                    "ứng; cần xác nhận, ví dụ “trong ngày làm việc”"
                )
            else:
                reasons.append(f"Không nhận dạng được thời hạn trong {_quote(piece)}")
            return None
        unit_word = match["unit"].lower()
        unit = _UNITS[unit_word]
        value = _number(match["a"])
        value_max = _number(match["b"]) if match["b"] else None
        rest = match["rest"]
        if unit is None:
            reasons.append(
                f"{_quote(piece)}: “{unit_word}” không nói rõ là "
                + (
                    "ngày làm việc hay ngày lịch"
                    if unit_word == "ngày"
                    else "giờ làm việc hay giờ đồng hồ"
                )
            )
        if value_max is not None:
            reasons.append(
                f"{_quote(piece)}: thời hạn là một khoảng ({match['a']}–{match['b']}); "
                "cần chọn một giá trị để tính ngày hẹn trả"
            )
    condition, note = _parse_rest(piece, rest.strip(), reasons)
    return ParsedTimeLimit(
        value=value,
        unit=unit,
        value_max=value_max,
        condition=condition,
        is_default=condition is None,
        note=note,
    )


def _parse_rest(piece: str, rest: str, reasons: list[str]) -> tuple[str | None, str]:
    """What follows the quantity: nothing, the standard start, a condition or an exclusion."""
    rest = rest.strip().rstrip(".").strip()
    if not rest or _STANDARD_START.match(rest):
        return None, ""
    note = ""
    condition: str | None = None
    paren = _TRAILING_PAREN.match(rest)
    if paren is not None:
        inner = paren["paren"].strip()
        if re.match(r"^không tính", inner, re.IGNORECASE):
            # "8 ngày làm việc (Không tính thời gian 30 ngày niêm yết công khai)": the limit is
            # certain; the excluded period is a pause of the clock, kept as a note.
            note = inner
        else:
            condition = inner
        rest = paren["body"].strip()
    if rest:
        colon = re.match(r"^:\s*(?:nếu\s+)?(?P<cond>.+)$", rest, re.IGNORECASE)
        cond_if = re.match(r"^nếu\s+(?P<cond>.+)$", rest, re.IGNORECASE)
        if condition is None and (colon or cond_if):
            condition = (colon or cond_if)["cond"].strip()  # type: ignore[index]
            if re.match(r"^tùy", condition, re.IGNORECASE):
                reasons.append(f"{_quote(piece)}: điều kiện không cụ thể ({_quote(condition)})")
        elif _STANDARD_START.match(rest):
            pass
        elif _EXTENSION.search(rest):
            reasons.append(f"{_quote(piece)}: có thể kéo dài ({_quote(rest.lstrip(', '))})")
            note = (note + "; " if note else "") + rest.lstrip(", ")
        else:
            reasons.append(f"{_quote(piece)}: không nhận dạng được phần {_quote(rest)}")
    return condition, note


def parse_time_limit(text: str) -> TimeLimitParse:
    """Structure a published *thời hạn giải quyết* (NĐ 63/2010 Đ8.2 đ).

    Recognised with full confidence: "[Trong] [thời hạn] N ngày làm việc|giờ làm việc|tháng
    [kể từ ngày nhận hồ sơ đầy đủ, hợp lệ]", "không quá 1/2 ngày làm việc", "Trong ngày làm việc"
    (same day, cut-off 15:00 — Luật Hộ tịch Đ5.3, NĐ 23/2015 Đ7), alternatives separated by ";"
    or sentences, each with a condition ("15 ngày làm việc: nếu …", "N … (khu vực thường)"), an
    alternative note "(Hoặc không quá N … nếu …)", and an excluded period "(Không tính …)".

    Reviewed (with a reason): a bare "ngày"/"giờ", a range "05 - 10", "ngay", an extension
    ("có thể kéo dài", "tăng thêm"), a special-case note, anything else.
    """
    original = nfc(text)
    body = _clean(original)
    reasons: list[str] = []
    if not body:
        return TimeLimitParse(original, (), ("Thời hạn giải quyết để trống",))
    body, notes = _peel_standalone_notes(body)
    limits: list[ParsedTimeLimit] = []
    for piece in _SPLIT_PIECES.split(body):
        if piece.strip():
            parsed = _parse_piece(piece, reasons)
            if parsed is not None:
                limits.append(parsed)
    for note in notes:
        alternative = re.match(r"^hoặc\s+(?P<alt>.+)$", note, re.IGNORECASE)
        if alternative is not None:
            parsed = _parse_piece(alternative["alt"], reasons)
            if parsed is not None:
                if parsed.condition is None:
                    reasons.append(f"{_quote(note)}: phương án thay thế không nêu điều kiện")
                limits.append(
                    ParsedTimeLimit(
                        value=parsed.value,
                        unit=parsed.unit,
                        value_max=parsed.value_max,
                        condition=parsed.condition,
                        is_default=False,
                        note=parsed.note,
                    )
                )
        elif _EXTENSION.search(note):
            reasons.append(f"Thời hạn có thể kéo dài hoặc tăng thêm: {_quote(note)}")
        else:
            reasons.append(f"Có ghi chú về trường hợp riêng: {_quote(note)}")
    defaults = [limit for limit in limits if limit.is_default]
    if len(defaults) > 1:
        reasons.append("Có nhiều thời hạn không kèm điều kiện; không biết thời hạn nào áp dụng")
    if not limits and not reasons:
        reasons.append(f"Không nhận dạng được thời hạn trong {_quote(body)}")
    return TimeLimitParse(original, tuple(limits), tuple(reasons))


# --------------------------------------------------------------------------------- fees


@dataclass(frozen=True)
class ParsedFee:
    """One amount in đồng. ``channels`` empty means every channel of the procedure."""

    amount: int
    channels: tuple[Channel, ...] = ()
    condition: str | None = None
    description: str = ""


@dataclass(frozen=True)
class FeeParse:
    text: str
    fees: tuple[ParsedFee, ...]
    reasons: tuple[str, ...]
    note: str = ""

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    def channels_named(self) -> set[Channel]:
        return {channel for fee in self.fees for channel in fee.channels}


_FREE = re.compile(
    r"^(?:không|không có|miễn phí|miễn|không thu|không thu (?:phí|lệ phí|phí, lệ phí|phí và lệ phí)"
    r"|không có (?:phí|lệ phí|phí, lệ phí)|không thu phí, lệ phí)$",
    re.IGNORECASE,
)
_FREE_STATEMENT = re.compile(
    r"không (?:thu|tốn|có) phí,? (?:và )?lệ phí|không (?:thu|tốn) phí, lệ phí", re.IGNORECASE
)
_AMOUNT = re.compile(
    r"(?<![\d.,])(?P<amount>\d{1,3}(?:\.\d{3})+|\d+)\s*(?P<cur>đồng|đ|vnđ|vnd)(?![\wÀ-ỹ])",
    re.IGNORECASE,
)
_UNOFFICIAL = re.compile(r"chi phí tối ưu|chi tiết chi phí|khuyến khích", re.IGNORECASE)
_APPROX = re.compile(r"~\s*\d")
_RANGE = re.compile(
    r"\d\s*(?:đồng|đ)?\s*[-–]\s*\d|từ\s+\d[\d.]*\s*(?:đồng|đ)?\s+đến\s+\d", re.IGNORECASE
)
_CHANNEL_WORDS: tuple[tuple[Channel, re.Pattern[str]], ...] = (
    (Channel.DIRECT, re.compile(r"trực tiếp", re.IGNORECASE)),
    (Channel.ONLINE, re.compile(r"trực tuyến|cổng dịch vụ công|dvcqg|vneid", re.IGNORECASE)),
    (Channel.POSTAL, re.compile(r"bưu chính|bưu điện", re.IGNORECASE)),
)


def _channels_in(text: str) -> tuple[Channel, ...]:
    return tuple(channel for channel, pattern in _CHANNEL_WORDS if pattern.search(text))


def parse_fee(text: str) -> FeeParse:
    """Structure a published *phí, lệ phí* (NĐ 63/2010 Đ8.2; fees may differ by channel).

    Recognised: "Không" / "Không thu lệ phí" / "Miễn phí" → 0 on every channel; an explicit
    statement that no fee is charged with no amount anywhere; clauses "nộp trực tiếp thu 20.000
    đồng/lần; nộp qua cổng dịch vụ công trực tuyến thu 10.000 đồng/lần", optionally grouped by a
    label ("Cá nhân, hộ gia đình: …. Theo danh sách: …"). A trailing "(miễn theo …)" is kept as
    a note. Everything else — ranges, "~", many amounts in one clause, summaries of a commercial
    or unofficial page — is sent to review with the original text kept.
    """
    original = nfc(text)
    body = _clean(original)
    if not body:
        return FeeParse(original, (), ("Phí, lệ phí để trống",))
    if _FREE.match(body):
        return FeeParse(original, (ParsedFee(0, (), None, body),), ())
    if _FREE_STATEMENT.search(body) and not _AMOUNT.search(body) and not re.search(r"\d", body):
        return FeeParse(original, (ParsedFee(0, (), None, "Không thu phí, lệ phí"),), ())

    reasons: list[str] = []
    if _UNOFFICIAL.search(body):
        reasons.append(
            "Phí, lệ phí lấy từ trang tóm tắt không chính thức (có lời quảng bá), "
            "cần đối chiếu quyết định công bố"
        )
    if _APPROX.search(body):
        reasons.append("Có mức phí xấp xỉ (“~”)")
    if _RANGE.search(body):
        reasons.append("Có mức phí theo khoảng (“từ … đến …” hoặc “… - …”)")
    if reasons:
        if len(_AMOUNT.findall(body)) > 2:
            reasons.append("Nhiều mức phí theo đối tượng và trường hợp; cần nhập tay")
        return FeeParse(original, (), tuple(reasons))

    note = ""
    exemption = re.match(r"^(?P<body>.*\S)\s*\((?P<note>miễn[^()]*)\)$", body, re.IGNORECASE)
    if exemption is not None:
        body, note = exemption["body"], exemption["note"].strip()

    fees: list[ParsedFee] = []
    for segment in re.split(r"\.\s+", body):
        segment = segment.strip().rstrip(".")
        if not segment:
            continue
        condition: str | None = None
        label = re.match(r"^(?P<label>[^:\d]+):\s*(?P<rest>.+)$", segment)
        if label is not None and not _channels_in(label["label"]):
            condition = label["label"].strip()
            segment = label["rest"]
        for clause in re.split(r";\s*", segment):
            clause = clause.strip()
            if not clause:
                continue
            amounts = list(_AMOUNT.finditer(clause))
            if len(amounts) != 1:
                reasons.append(
                    f"{_quote(clause)}: "
                    + ("không có số tiền" if not amounts else "có nhiều số tiền trong một ý")
                )
                continue
            amount = amounts[0]
            leading = clause[: amount.start()]
            if re.search(r"\d", leading):
                reasons.append(f"{_quote(clause)}: có số không phải số tiền trước mức phí")
                continue
            fees.append(
                ParsedFee(
                    amount=int(amount["amount"].replace(".", "")),
                    channels=_channels_in(leading),
                    condition=condition,
                    description=clause,
                )
            )
    if not fees and not reasons:
        reasons.append(f"Không nhận dạng được phí, lệ phí trong {_quote(body)}")
    if reasons:
        return FeeParse(original, (), tuple(reasons), note)
    return FeeParse(original, tuple(fees), (), note)


# ---------------------------------------------------------------------- other small fields


def parse_channels(*texts: str) -> tuple[Channel, ...]:
    """Channels named in the "cách thức thực hiện" text (ND118 Đ15: direct, postal, online).

    A counter of the one-stop unit ("Trung tâm Phục vụ HCC", "Bộ phận Một cửa") is direct.
    """
    found: set[Channel] = set()
    for text in texts:
        found.update(_channels_in(text))
        if re.search(r"trung tâm phục vụ|bộ phận một cửa|tại công an|tại ubnd", text, re.I):
            found.add(Channel.DIRECT)
    return tuple(channel for channel in ALL_CHANNELS if channel in found)


@dataclass(frozen=True)
class TargetGroupParse:
    groups: tuple[str, ...]
    rest: str = ""


#: Target groups of the national database (rules.md §6.1 "Đối tượng thực hiện"), longest first.
TARGET_GROUP_PHRASES: tuple[tuple[str, str], ...] = (
    ("Người Việt Nam định cư ở nước ngoài", "overseas_vietnamese"),
    ("Doanh nghiệp có vốn đầu tư nước ngoài", "foreign_invested_enterprise"),
    ("Tổ chức (không bao gồm doanh nghiệp, HTX)", "organisation"),
    ("Cán bộ, công chức, viên chức", "civil_servant"),
    ("Công dân Việt Nam", "vietnamese_citizen"),
    ("Người nước ngoài", "foreigner"),
    ("Tổ chức nước ngoài", "foreign_organisation"),
    ("Hợp tác xã", "cooperative"),
    ("Doanh nghiệp", "enterprise"),
    ("Tổ chức", "organisation"),
)


def parse_target_groups(text: str | None) -> TargetGroupParse:
    """Known target groups named in *đối tượng thực hiện*; the unmatched rest is returned."""
    if not text:
        return TargetGroupParse(())
    rest = nfc(text)
    groups: list[str] = []
    for phrase, code in TARGET_GROUP_PHRASES:
        pattern = re.compile(re.escape(phrase) + r"(?![\wÀ-ỹ])", re.IGNORECASE)
        if pattern.search(rest):
            rest = pattern.sub(" ", rest)
            if code not in groups:
                groups.append(code)
    leftover = re.sub(r"[\s,.;]+", " ", rest).strip()
    return TargetGroupParse(tuple(groups), leftover)
