"""The ratings store: levels on the configured scale, TT01 points, QĐ 766 like/dislike, audit."""

from __future__ import annotations

import pytest
from django.test import override_settings
from tests.dossiers.conftest import World

from motcua.audit.models import AuditEntry
from motcua.common.errors import AppendOnly, ValidationFailed
from motcua.ratings.models import Rating, Source
from motcua.ratings.scale import scale
from motcua.ratings.services import rating_record

pytestmark = pytest.mark.django_db


def test_default_scale_maps_to_tt01_points_and_766_like() -> None:
    assert [(lv.value, lv.label, lv.points, lv.satisfied) for lv in scale()] == [
        (4, "Rất hài lòng", 2, True),
        (3, "Hài lòng", 2, True),
        (2, "Bình thường", 1, True),
        (1, "Không hài lòng", 0, False),
    ]


@override_settings(MOTCUA_RATING_SCALE=["Hài lòng", "Bình thường", "Không hài lòng"])
def test_a_configured_three_level_scale() -> None:
    assert [(lv.value, lv.points, lv.satisfied) for lv in scale()] == [
        (3, 2, True),
        (2, 1, True),
        (1, 0, False),
    ]


def test_rating_a_dossier_at_the_counter_is_stored_and_audited(world: World) -> None:
    dossier = world.receive()
    rating = rating_record(
        level=1,
        source=Source.COUNTER_DEVICE,
        dossier=dossier,
        officer=world.reception,
        subject="ticket:1024",
        criteria={"đ": 1},
        comment="  Chờ lâu ",
    )
    assert (rating.points, rating.satisfied, rating.comment) == (0, False, "Chờ lâu")
    assert rating.agency == dossier.receiving_agency
    entry = AuditEntry.objects.get(object_type="rating", object_id=str(rating.pk))
    assert entry.data["dossier"] == dossier.code
    with pytest.raises(AppendOnly):
        rating.delete()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level": 5}, "không có trong thang"),
        ({"level": "4"}, "số nguyên"),
        ({"level": True}, "số nguyên"),
        ({"level": 3, "source": "fax"}, "Nguồn đánh giá"),
        ({"level": 3, "criteria": {"z": 3}}, "Tiêu chí"),
        ({"level": 3, "criteria": {"a": 9}}, "tiêu chí a"),
        ({"level": 3, "comment": "x" * 2001}, "2000"),
    ],
)
def test_bad_ratings_are_refused_in_vietnamese(kwargs: dict, message: str) -> None:
    kwargs.setdefault("source", Source.PORTAL)
    with pytest.raises(ValidationFailed, match=message):
        rating_record(**kwargs)
    assert not Rating.objects.exists()


def test_one_rating_per_rater_dossier_and_source(world: World) -> None:
    dossier = world.receive()
    rating_record(level=4, source=Source.PORTAL, dossier=dossier, rater=world.citizen)
    with pytest.raises(ValidationFailed, match="đã đánh giá"):
        rating_record(level=1, source=Source.PORTAL, dossier=dossier, rater=world.citizen)
    # The same citizen may still rate at the counter device.
    rating_record(level=3, source=Source.COUNTER_DEVICE, dossier=dossier, rater=world.citizen)
    assert Rating.objects.count() == 2
