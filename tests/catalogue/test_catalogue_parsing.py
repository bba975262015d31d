"""The free-text parser over every real phrasing of procedures.json (no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from motcua.catalogue.parsing import (
    Channel,
    parse_channels,
    parse_fee,
    parse_target_groups,
    parse_time_limit,
)
from motcua.workcalendar.units import TimeLimitUnit

DATA = Path(__file__).resolve().parents[2] / "src/motcua/catalogue/data/procedures.json"
RECORDS = {record["code"]: record for record in json.loads(DATA.read_text(encoding="utf-8"))}

WD = TimeLimitUnit.WORKING_DAYS
SAME_DAY = TimeLimitUnit.SAME_DAY
BARE_DAY = "không nói rõ là ngày làm việc hay ngày lịch"
RANGE = "thời hạn là một khoảng"
EXTENSION = "kéo dài"

# code → (structured limits as (value, unit, value_max, condition), review reason fragments)
TIME_LIMITS: dict[
    str, tuple[list[tuple[str, TimeLimitUnit | None, str | None, str | None]], list[str]]
] = {
    "1.004222": ([("7", WD, None, None)], []),
    "1.003197": ([("5", WD, None, None)], []),
    "1.010038": ([("5", WD, None, None)], []),
    "1.004194": ([("3", WD, None, None)], []),
    "1.010028": ([("2", WD, None, None)], []),
    "1.010040": (
        [
            ("5", WD, None, "công dân đã có thông tin trong CSDL quốc gia về dân cư"),
            ("30", None, None, "chưa có thông tin"),
        ],
        [BARE_DAY, EXTENSION],
    ),
    "2.001159": ([], ["“ngay”"]),
    **{
        code: (
            [("0", SAME_DAY, None, None), ("3", None, None, "có lý do chính đáng")],
            [BARE_DAY],
        )
        for code in ("1.011441", "1.011442", "1.011443", "1.011444", "1.011445")
    },
    "1.012753": (
        [
            ("17", None, "20", "khu vực thường"),
            ("27", None, "30", "vùng khó khăn, hải đảo..."),
        ],
        [BARE_DAY, RANGE],
    ),
    "1.012766": ([("3", WD, None, None)], []),
    "1.012782": (
        [
            ("15", None, None, "không có nhu cầu xác định lại diện tích đất ở"),
            ("20", None, None, "có nhu cầu xác định lại diện tích đất ở"),
        ],
        [BARE_DAY],
    ),
    "1.012783": ([("5", WD, "10", None)], [RANGE, "trường hợp riêng"]),
    "1.012785": ([("8", WD, None, None)], []),
    "1.012786": ([("10", WD, None, None)], []),
    "1.012787": ([("8", WD, None, None)], []),
    "1.012790": ([("8", WD, None, None)], []),
    "1.012791": ([("20", WD, "25", None)], [RANGE, "trường hợp riêng"]),
    "1.012796": ([("8", WD, None, None)], []),
    "1.012805": (
        [("50", None, None, "khu vực thường"), ("60", None, None, "vùng khó khăn, hải đảo...")],
        [BARE_DAY],
    ),
    "1.012817": (
        [("20", None, None, "khu vực thường"), ("30", None, None, "vùng khó khăn, hải đảo...")],
        [BARE_DAY],
    ),
    "1.012818": ([("20", WD, "25", None)], [RANGE]),
    "1.013831": (
        [
            ("4", None, None, "Cho thuê/thuê lại trong dự án KCHT"),
            ("8", None, None, "Chuyển đổi, chuyển nhượng, thừa kế, tặng cho, góp vốn"),
        ],
        [BARE_DAY, EXTENSION],
    ),
    "1.013947": (
        [("7", None, None, "khu vực thường"), ("17", None, None, "vùng khó khăn, hải đảo...")],
        [BARE_DAY],
    ),
    "1.013978": (
        [
            ("17", None, "20", "khu vực thường"),
            ("27", None, "30", "vùng khó khăn, hải đảo..."),
        ],
        [BARE_DAY, RANGE],
    ),
    "1.013980": ([("8", None, "10", "Tùy trường hợp cụ thể")], [BARE_DAY, RANGE, "tăng thêm"]),
    "1.013992": (
        [("7", None, None, "khu vực thường"), ("17", None, None, "vùng khó khăn, hải đảo...")],
        [BARE_DAY],
    ),
}


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def test_every_real_time_limit_is_covered() -> None:
    assert set(TIME_LIMITS) == set(RECORDS)


@pytest.mark.parametrize("code", sorted(TIME_LIMITS))
def test_real_time_limit(code: str) -> None:
    expected_limits, expected_reasons = TIME_LIMITS[code]
    result = parse_time_limit(RECORDS[code]["time_limit"])
    got = [
        (
            _plain(limit.value),
            limit.unit,
            None if limit.value_max is None else _plain(limit.value_max),
            limit.condition,
        )
        for limit in result.limits
    ]
    assert got == expected_limits
    assert result.needs_review is bool(expected_reasons)
    joined = " | ".join(result.reasons)
    for fragment in expected_reasons:
        assert fragment in joined
    assert result.text == RECORDS[code]["time_limit"]  # the original is kept


def test_structured_and_flagged_counts_of_the_30() -> None:
    results = [parse_time_limit(record["time_limit"]) for record in RECORDS.values()]
    assert sum(not r.needs_review for r in results) == 11
    assert sum(r.needs_review for r in results) == 19


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("Trong thời hạn 07 ngày làm việc kể từ ngày nhận được hồ sơ đầy đủ và hợp lệ", "7", WD),
        ("không quá 1/2 ngày làm việc", "0.5", WD),
        ("Trong ngày làm việc", "0", SAME_DAY),
        ("trong ngày", "0", SAME_DAY),
        ("04 giờ làm việc", "4", TimeLimitUnit.WORKING_HOURS),
        ("03 tháng", "3", TimeLimitUnit.MONTHS),
        ("Thời hạn giải quyết 10 ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ.", "10", WD),
        ("0,5 ngày làm việc", "0.5", WD),
    ],
)
def test_unambiguous_phrasings(text: str, value: str, unit: TimeLimitUnit) -> None:
    result = parse_time_limit(text)
    assert not result.needs_review, result.reasons
    (limit,) = result.limits
    assert limit.value == Decimal(value)
    assert limit.unit is unit
    assert limit.is_default
    assert limit.condition is None


def test_exclusion_note_keeps_the_limit_structured() -> None:
    result = parse_time_limit("8 ngày làm việc (Không tính thời gian 30 ngày niêm yết công khai).")
    assert not result.needs_review
    (limit,) = result.limits
    assert (limit.value, limit.unit) == (Decimal(8), WD)
    assert limit.note == "Không tính thời gian 30 ngày niêm yết công khai"


def test_alternatives_with_qualified_units_are_structured() -> None:
    result = parse_time_limit(
        "15 ngày làm việc: nếu không có nhu cầu xác định lại diện tích đất ở. "
        "20 ngày làm việc: nếu có nhu cầu xác định lại diện tích đất ở."
    )
    assert not result.needs_review
    assert [(lim.value, lim.condition, lim.is_default) for lim in result.limits] == [
        (Decimal(15), "không có nhu cầu xác định lại diện tích đất ở", False),
        (Decimal(20), "có nhu cầu xác định lại diện tích đất ở", False),
    ]


def test_same_day_with_a_conditional_alternative() -> None:
    result = parse_time_limit(
        "Trong ngày làm việc. (Hoặc không quá 03 ngày làm việc nếu có lý do chính đáng)."
    )
    assert not result.needs_review, result.reasons
    default, alternative = result.limits
    assert (default.unit, default.is_default) == (SAME_DAY, True)
    assert (alternative.value, alternative.unit, alternative.is_default) == (
        Decimal(3),
        WD,
        False,
    )
    assert alternative.condition == "có lý do chính đáng"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("05 - 10 ngày làm việc", RANGE),
        ("17-20 ngày", BARE_DAY),
        ("Trong 24 giờ", "giờ làm việc hay giờ đồng hồ"),
        ("Giải quyết ngay", "“ngay”"),
        ("Theo quy định của pháp luật", "Không nhận dạng được"),
        ("", "để trống"),
        ("07 ngày làm việc; 10 ngày làm việc", "nhiều thời hạn không kèm điều kiện"),
        ("07 ngày làm việc kể từ ngày có kết quả xác minh", "không nhận dạng được phần"),
    ],
)
def test_ambiguous_phrasings_need_review(text: str, fragment: str) -> None:
    result = parse_time_limit(text)
    assert result.needs_review
    assert fragment in " | ".join(result.reasons)


# ------------------------------------------------------------------------------------ fees

FREE = [(0, (), None)]
FEES: dict[str, list[tuple[int, tuple[Channel, ...], str | None]] | None] = {
    "1.004222": [(20000, (Channel.DIRECT,), None), (10000, (Channel.ONLINE,), None)],
    "1.003197": FREE,
    "1.010038": [(10000, (Channel.DIRECT,), None), (5000, (Channel.ONLINE,), None)],
    "1.004194": [
        (15000, (Channel.DIRECT,), "Cá nhân, hộ gia đình"),
        (7000, (Channel.ONLINE,), "Cá nhân, hộ gia đình"),
        (10000, (Channel.DIRECT,), "Theo danh sách"),
        (5000, (Channel.ONLINE,), "Theo danh sách"),
    ],
    "1.010028": FREE,
    "1.010040": FREE,
    "2.001159": FREE,
    "1.012805": FREE,  # "Thủ tục này không thu phí, lệ phí", no amount anywhere
}


@pytest.mark.parametrize("code", sorted(RECORDS))
def test_real_fee(code: str) -> None:
    result = parse_fee(RECORDS[code]["fee"])
    expected = FEES.get(code)
    if expected is None:
        # The land pages: commercial summary text, ranges, "~", many amounts → review.
        assert result.needs_review
        assert result.fees == ()
        assert "trang tóm tắt không chính thức" in " | ".join(result.reasons)
    else:
        assert not result.needs_review, result.reasons
        assert [(f.amount, f.channels, f.condition) for f in result.fees] == expected
    assert result.text == RECORDS[code]["fee"]


def test_fee_exemption_note_is_kept() -> None:
    result = parse_fee(RECORDS["1.004222"]["fee"])
    assert result.note == "miễn theo Điều 4 Thông tư 75/2022/TT-BTC"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Trực tiếp 10.000 – 15.000 đồng", "khoảng"),
        ("Lệ phí: ~60.000đ", "xấp xỉ"),
        ("Theo quy định của HĐND tỉnh", "không có số tiền"),
        ("nộp trực tiếp 20.000 đồng hoặc 30.000 đồng", "nhiều số tiền"),
    ],
)
def test_unclear_fees_need_review(text: str, fragment: str) -> None:
    result = parse_fee(text)
    assert result.needs_review
    assert fragment in " | ".join(result.reasons)


def test_channels_and_target_groups() -> None:
    assert parse_channels(RECORDS["1.004222"]["online"]) == (Channel.DIRECT, Channel.ONLINE)
    assert parse_channels(RECORDS["1.012753"]["online"]) == (
        Channel.DIRECT,
        Channel.ONLINE,
        Channel.POSTAL,
    )
    groups = parse_target_groups(RECORDS["1.012753"]["subject"]).groups
    assert set(groups) == {
        "enterprise",
        "foreign_invested_enterprise",
        "organisation",
        "foreign_organisation",
    }
