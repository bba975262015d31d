"""Demo queue configuration (called by ``motcua.demo.services.demo_prepare``): a kiosk site at
the provincial Public Administrative Service Center and one at the Nha Trang ward center, with
service groups by field and counters. Idempotent. Officers sign in at counters themselves."""

from __future__ import annotations

from dataclasses import dataclass

from motcua.agencies.models import Agency
from motcua.catalogue.models import Field
from motcua.queueing.models import Counter, ServiceGroup, Site

#: (site code, site name, agency code, groups [(code, name, [field names])], counters
#: [(number, group codes, priority)]).
SiteSpec = tuple[str, str, str, list[tuple[str, str, list[str]]], list[tuple[int, str, bool]]]


@dataclass(frozen=True)
class QueueDemo:
    sites: int
    groups: int
    counters: int

    def summary(self) -> str:
        return (
            f"Xếp hàng: {self.sites} điểm, {self.groups} nhóm dịch vụ, {self.counters} quầy "
            "(kiosk /xep-hang/kiosk/tinh/, bảng /xep-hang/bang/tinh/)"
        )


def demo_specs() -> list[SiteSpec]:
    from motcua.demo import agencies as demo_agencies

    _, nha_trang_center, _ = demo_agencies.commune_codes("101")
    return [
        (
            "tinh",
            "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa",
            demo_agencies.SERVICE_CENTER,
            [
                ("A", "Đất đai", ["Đất đai"]),
                ("B", "Đăng ký biện pháp bảo đảm", ["Đăng ký biện pháp bảo đảm"]),
                ("C", "Tư pháp, hộ tịch và lĩnh vực khác", []),
            ],
            [(1, "A", False), (2, "A", False), (3, "B", False), (4, "C", False), (5, "ABC", True)],
        ),
        (
            "nha-trang",
            "Trung tâm Phục vụ hành chính công phường Nha Trang",
            nha_trang_center,
            [
                ("A", "Cư trú", ["Đăng ký, quản lý cư trú"]),
                ("B", "Đất đai và lĩnh vực khác", ["Đất đai"]),
            ],
            [(1, "A", False), (2, "AB", True)],
        ),
    ]


def queue_demo_prepare() -> QueueDemo:
    """Create the demo sites, groups and counters that are missing (nothing is changed)."""
    sites = groups = counters = 0
    for code, name, agency_code, group_specs, counter_specs in demo_specs():
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            continue
        site, _ = Site.objects.get_or_create(code=code, defaults={"name": name, "agency": agency})
        sites += 1
        by_code: dict[str, ServiceGroup] = {}
        for order, (gcode, gname, fields) in enumerate(group_specs, start=1):
            group, created = ServiceGroup.objects.get_or_create(
                site=site, code=gcode, defaults={"name": gname, "order": order}
            )
            if created:
                group.fields.set(Field.objects.filter(name__in=fields))
            by_code[gcode] = group
            groups += 1
        for number, gcodes, priority in counter_specs:
            counter, created = Counter.objects.get_or_create(
                site=site, number=number, defaults={"priority": priority}
            )
            if created:
                counter.groups.set([by_code[c] for c in gcodes])
            counters += 1
    return QueueDemo(sites, groups, counters)
