"""A realistic province at scale: ``simulate(dossiers=N, years=Y)`` for benchmarks and the demo.

Arrivals fall on the calendar's working days and hours (online ones also at night and on days
off), spread over the procedures of the catalogue with a skewed mix, through the three channels
(≈ 40 % online). Each dossier then lives its life — reception outcomes, transfer, assignment,
supplements (at reception and after appraisal, answered or closed after 15 days), payments,
extensions, returns to a previous step, late steps, withdrawals and stops, refusals, results
returned and corrected — until the end of the simulated period; dossiers still open then stay in
the status they reached. All events of all dossiers are played in time order, so codes are
issued in arrival order and audit chains stay in time order.

Two paths write the same rows:

* ``path="services"`` calls the public services of :mod:`motcua.dossiers.services` (the one
  write path) for every step;
* ``path="bulk"`` (:mod:`motcua.dossiers.simulation_bulk`) applies the same steps in memory with
  the same pure functions and the services' own helpers, then writes in batches (``COPY`` on
  PostgreSQL) and appends the audit entries with ``audit_append_many``.

``tests/dossiers/test_simulation.py`` runs both on a small province and compares the rows
(dossiers, events, clock events, documents, daily sequences, applicants, audit entries with their
hash chains), surrogate keys and creation timestamps excepted.

Determinism: every dossier draws from its own ``random.Random`` seeded from ``seed`` and its
index; dossier UUIDs come from that generator too (so the audit chain an object falls in is the
same on both paths) and audit entries are dated at the simulated moment of the action.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import gc
import heapq
import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from motcua.accounts.models import User
from motcua.accounts.roles import Role
from motcua.accounts.services import officer_create
from motcua.agencies.models import Agency
from motcua.audit.chain import chain_for
from motcua.audit.services import audit_chain_count
from motcua.catalogue.models import Channel, ProcedureVersion, TimeLimit
from motcua.catalogue.selectors import time_limit_for
from motcua.common.bulkload import deferred_indexes, restore_deferred_indexes
from motcua.common.copy import insert_rows
from motcua.common.errors import MotcuaError
from motcua.common.forked import in_forked_processes
from motcua.common.text import fold
from motcua.dossiers import clock
from motcua.dossiers import services as sv
from motcua.dossiers.errors import DossierInvalid
from motcua.dossiers.models import (
    Applicant,
    ApplicantKind,
    ClockEvent,
    Dossier,
    DossierDocument,
    DossierEvent,
    ReturnMethod,
)
from motcua.dossiers.workflow import (
    CLOSE_UNSUPPLEMENTED_AFTER_DAYS,
    STATUS_OF,
    DossierStatus,
    TransitionNotAllowed,
)
from motcua.workcalendar.engine import WorkingCalendar
from motcua.workcalendar.selectors import calendar_for

S = DossierStatus
TZ_HOURS = 7

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Thu"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Long", "Mai", "Nam"]
STREETS = ["Trần Phú", "Lê Thánh Tôn", "Yersinia", "Thống Nhất", "Nguyễn Trãi", "Hùng Vương"]

SUPPLEMENT_REASON = "Thiếu thành phần hồ sơ theo quy định; đề nghị bổ sung bản sao giấy tờ."
REFUSE_REASON = "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan."
RETURN_REASON = "Dự thảo kết quả chưa đúng nội dung đề nghị, đề nghị thẩm định lại."
REFUSE_AFTER_REASON = "Hồ sơ không đủ điều kiện theo quy định của pháp luật chuyên ngành."
EXTENSION_REASON = "Cần xác minh thực địa; xin lỗi tổ chức, cá nhân và hẹn lại ngày trả."
ERROR_REASON = "Kết quả ghi sai họ tên người đề nghị."
WITHDRAW_REASON = "Công dân đề nghị rút hồ sơ."
#: Where a reused component comes from (NĐ 118/2025 Điều 17 khoản 1 điểm b).
REUSE_SOURCE = "Kho quản lý dữ liệu điện tử của tổ chức, cá nhân"


@dataclass
class Rates:
    """Shares of the simulated behaviours (defaults: a plausible province)."""

    online: float = 0.40
    postal: float = 0.08
    refuse_at_reception: float = 0.03
    supplement_at_reception: float = 0.10
    supplement_after_appraisal: float = 0.06
    supplement_answered: float = 0.75
    payment: float = 0.10
    extension: float = 0.04
    late: float = 0.08
    withdraw: float = 0.02
    return_step: float = 0.05
    refuse_after_appraisal: float = 0.03
    result_error: float = 0.01
    online_after_hours: float = 0.30
    # What the indicators of QĐ 766 groups 3–5 and TT 01/2018 read (rules.md §4.2, §4.4: the
    # provinces' 2025 targets are digitisation ≥ 80 %, reuse ≥ 50 %, online payment ≥ 60 %).
    #: Components scanned at reception (counter, post; NĐ 118/2025 Đ17.1c) / uploaded online.
    digitised: float = 0.82
    digitised_online: float = 0.97
    #: A component taken from existing data instead of collected again (Đ17.1b; QĐ 766 4.3).
    reused: float = 0.45
    #: Fees paid through the payment gateway (QĐ 766 3.6), by the channel of the dossier.
    paid_online_online: float = 0.90
    paid_online_counter: float = 0.30
    #: Returned dossiers rated by the applicant (NĐ 118/2025 Đ31.1) and the levels given, best
    #: first on the configured scale; a late dossier is rated at the lowest level more often.
    rating: float = 0.45
    rating_levels: tuple[float, ...] = (0.55, 0.33, 0.08, 0.04)
    rating_late_dissatisfied: float = 0.25


@dataclass
class Plan:
    """What will happen to one dossier (drawn once at arrival)."""

    channel: str
    reception: str  # accept / supplement / refuse
    supplement_answered: bool
    supplement_after: bool
    payment: bool
    extension: bool
    late: bool
    withdraw: bool
    return_step: bool
    refuse_after: bool
    error: bool
    # Drawn from a generator of their own (``_plan_extras``): the draws above are unchanged.
    digitised: bool = False
    reused: bool = False
    paid_online: bool = True
    done: set[str] = field(default_factory=set)


@dataclass
class VersionInfo:
    version: ProcedureVersion
    code: str
    name: str
    receiving: list[Agency]
    documents: list[Any]
    channels: set[str]
    competent: dict[int, Agency] = field(default_factory=dict)


class Crew(NamedTuple):
    calendar: WorkingCalendar
    reception: User
    specialist: User
    head: User
    leader: User


@dataclass
class Reference:
    versions: list[VersionInfo]
    weights: list[float]
    officers: dict[tuple[int, Role], User]
    agencies: dict[int, Agency]
    calendars: dict[int, WorkingCalendar] = field(default_factory=dict)
    limits: dict[tuple[int, str], TimeLimit | None] = field(default_factory=dict)
    crews: dict[tuple[int, int], Crew] = field(default_factory=dict)

    def crew(self, receiving_id: int, competent_id: int) -> Crew:
        """The receiving agency's calendar and the officers a dossier meets, looked up once per
        pair of agencies (keys of plain ints: a ``Role`` member hashes in Python)."""
        found = self.crews.get((receiving_id, competent_id))
        if found is None:
            found = self.crews[(receiving_id, competent_id)] = Crew(
                self.calendar(receiving_id),
                self.officer(receiving_id, Role.RECEPTION_OFFICER),
                self.officer(competent_id, Role.SPECIALIST),
                self.officer(competent_id, Role.DEPARTMENT_HEAD),
                self.officer(competent_id, Role.AGENCY_LEADER),
            )
        return found

    def calendar(self, agency_id: int) -> WorkingCalendar:
        cal = self.calendars.get(agency_id)
        if cal is None:
            cal = self.calendars[agency_id] = calendar_for(self.agencies[agency_id])
        return cal

    def limit(self, version: ProcedureVersion, channel: str) -> TimeLimit | None:
        key = (version.pk, channel)
        if key not in self.limits:
            self.limits[key] = time_limit_for(version, channel, None)
        return self.limits[key]

    def officer(self, agency_id: int, role: Role) -> User:
        return self.officers[(agency_id, role)]


@dataclass
class Arrival:
    index: int
    at: dt.datetime
    info: VersionInfo
    receiving: Agency
    competent: Agency
    channel: str
    applicant_id: int
    uuid: uuid.UUID
    summary: str
    plan: Plan
    rng: random.Random


@dataclass(frozen=True)
class Foreign:
    """An arrival simulated by another part (``simulate(workers=n)``): it still takes its
    number in the receiving agency's sequence of the day."""

    at: dt.datetime
    receiving_id: int


@dataclass
class Step:
    """One action to apply: ``name`` of the service (``dossier_<name>``), its moment, actor."""

    name: str
    at: dt.datetime
    actor: User | None
    kwargs: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """Where the steps are applied: the services, or the bulk writer."""

    def create(self, arrival: Arrival) -> Dossier: ...

    def act(self, dossier: Dossier, step: Step, arrival: Arrival) -> Dossier: ...

    def retire(self, dossier: Dossier) -> None: ...

    def finish(self) -> None: ...


@dataclass
class SimulationReport:
    dossiers: int = 0
    steps: int = 0
    refused_steps: int = 0
    seconds: float = 0.0
    path: str = "bulk"
    by_status: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    deferred_indexes: int = 0
    #: ``integrations=True``: dossiers synced with the Cổng DVCQG, reused components given an
    #: origin, e-results pushed to the citizens' stores (QĐ 766 1.4, 4.4).
    synced: int = 0
    store_origins: int = 0
    pushed: int = 0

    def add(self, other: SimulationReport) -> None:
        """Add the counts of another part (``simulate(workers=n)``)."""
        self.dossiers += other.dossiers
        self.steps += other.steps
        self.refused_steps += other.refused_steps
        for status, count in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + count

    def summary(self) -> str:
        rate = self.dossiers / self.seconds if self.seconds else 0.0
        return (
            f"{self.dossiers} hồ sơ, {self.steps} bước xử lý ({self.path}) trong "
            f"{self.seconds:.1f} giây ({rate:.0f} hồ sơ/giây)."
        )


# --- reference data ---------------------------------------------------------------------------


def _officer(agency: Agency, role: Role, prefix: str) -> User:
    slug = {
        Role.RECEPTION_OFFICER: "tiepnhan",
        Role.SPECIALIST: "chuyenvien",
        Role.DEPARTMENT_HEAD: "truongphong",
        Role.AGENCY_LEADER: "lanhdao",
    }[role]
    user, _ = officer_create(
        username=f"{prefix}.{slug}.{agency.pk}",
        full_name=f"{role.label} ({agency.name})"[:150],
        password=None,
        agency=agency,
        roles=[role],
    )
    return user


def load_reference(*, prefix: str = "mophong", limit_procedures: int | None = None) -> Reference:
    """The catalogue's current versions with their agencies, and one officer per role where the
    simulation needs one (created through ``officer_create``, idempotent)."""
    versions = list(
        ProcedureVersion.objects.filter(status="published")
        .select_related("procedure")
        .prefetch_related("receiving_agencies", "competent_agencies", "documents", "channels")
        .order_by("procedure__code")
    )
    if limit_procedures is not None:
        versions = versions[:limit_procedures]
    infos: list[VersionInfo] = []
    agencies: dict[int, Agency] = {}
    officers: dict[tuple[int, Role], User] = {}
    for version in versions:
        receiving = sorted(version.receiving_agencies.all(), key=lambda a: a.pk)
        if not receiving or not version.competent_agencies.exists():
            continue
        info = VersionInfo(
            version=version,
            code=version.procedure.code,
            name=version.name,
            receiving=receiving,
            documents=sorted(version.documents.all(), key=lambda d: (d.order, d.pk)),
            channels={c.channel for c in version.channels.all()},
        )
        for agency in receiving:
            competent = sv._competent(version, agency, None)
            info.competent[agency.pk] = competent
            agencies[agency.pk] = agency
            agencies[competent.pk] = competent
            if (agency.pk, Role.RECEPTION_OFFICER) not in officers:
                officers[(agency.pk, Role.RECEPTION_OFFICER)] = _officer(
                    agency, Role.RECEPTION_OFFICER, prefix
                )
            for role in (Role.SPECIALIST, Role.DEPARTMENT_HEAD, Role.AGENCY_LEADER):
                if (competent.pk, role) not in officers:
                    officers[(competent.pk, role)] = _officer(competent, role, prefix)
        infos.append(info)
    if not infos:
        raise MotcuaError(
            "Danh mục chưa có thủ tục nào có cơ quan tiếp nhận và cơ quan giải quyết; hãy chạy "
            "“motcua demo --no-serve” trước."
        )
    # A skewed mix: a few procedures (civil status, land) take most of the dossiers.
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(infos))]
    return Reference(infos, weights, officers, agencies)


# --- arrivals -----------------------------------------------------------------------------------


def _plan(rng: random.Random, rates: Rates, channels: set[str]) -> Plan:
    roll = rng.random()
    if roll < rates.online and Channel.ONLINE in channels:
        channel = Channel.ONLINE.value
    elif roll < rates.online + rates.postal and Channel.POSTAL in channels:
        channel = Channel.POSTAL.value
    else:
        channel = Channel.DIRECT.value
    r = rng.random()
    reception = (
        "refuse"
        if r < rates.refuse_at_reception
        else "supplement"
        if r < rates.refuse_at_reception + rates.supplement_at_reception
        else "accept"
    )
    return Plan(
        channel=channel,
        reception=reception,
        supplement_answered=rng.random() < rates.supplement_answered,
        supplement_after=rng.random() < rates.supplement_after_appraisal,
        payment=rng.random() < rates.payment,
        extension=rng.random() < rates.extension,
        late=rng.random() < rates.late,
        withdraw=rng.random() < rates.withdraw,
        return_step=rng.random() < rates.return_step,
        refuse_after=rng.random() < rates.refuse_after_appraisal,
        error=rng.random() < rates.result_error,
    )


_MASK64 = (1 << 64) - 1


def uniforms(key: int, n: int) -> list[float]:
    """``n`` reproducible numbers in [0, 1) for ``key`` (SplitMix64): what a ``random.Random``
    per dossier would give, for a microsecond instead of the tens seeding one costs."""
    out = []
    x = key & _MASK64
    for _ in range(n):
        x = (x + 0x9E3779B97F4A7C15) & _MASK64
        z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        out.append(((z ^ (z >> 31)) >> 11) * 2.0**-53)
    return out


def _plan_extras(plan: Plan, seed: int, index: int, rates: Rates) -> None:
    """The digitisation, reuse and payment channel of one dossier, from numbers of its own
    (so adding them changed none of the other draws)."""
    digitised, reused, paid = uniforms(seed * 1_000_003 + index + 0x5EED_0000_0000, 3)
    online = plan.channel == Channel.ONLINE
    plan.digitised = digitised < (rates.digitised_online if online else rates.digitised)
    plan.reused = reused < rates.reused
    plan.paid_online = paid < (rates.paid_online_online if online else rates.paid_online_counter)


def _working_days(cal: WorkingCalendar, start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day < end:
        if cal.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _local_zone() -> dt.tzinfo:
    """The zone of the arrivals: ``TIME_ZONE`` (Asia/Ho_Chi_Minh), looked up once per run
    (``get_current_timezone`` costs more than the rest of an arrival's moment)."""
    global _ZONE
    if _ZONE is None:
        _ZONE = timezone.get_current_timezone()
    return _ZONE


_ZONE: dt.tzinfo | None = None


def _arrival_moment(
    rng: random.Random, cal: WorkingCalendar, day: dt.date, online_night: bool
) -> dt.datetime:
    tz = _local_zone()
    if online_night:
        # Online submissions also arrive in the evening, at night and on days off.
        offset = dt.timedelta(days=rng.randrange(0, 2), seconds=rng.randrange(17 * 3600, 86_400))
        return dt.datetime.combine(day, dt.time(0), tzinfo=tz) + offset
    start = cal.normalize(dt.datetime.combine(day, dt.time(0), tzinfo=tz))
    # Mornings are busier than afternoons at the counter.
    hours = cal.daily_us / 3_600_000_000
    position = min(rng.betavariate(1.6, 2.2), 0.999) * hours
    return cal.add_working_minutes(start, round(position * 60))


def _person(rng: random.Random, n: int, id_base: int) -> Applicant:
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    personal_id = f"{id_base + n:012d}"
    return Applicant(
        kind=ApplicantKind.PERSON,
        full_name=name,
        personal_id=personal_id,
        date_of_birth=dt.date(
            1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28)
        ),
        phone=f"09{rng.randrange(10**8):08d}",
        address=f"{rng.randrange(1, 300)} {rng.choice(STREETS)}, Khánh Hòa",
        search_key=fold(f"{name} {personal_id}")[:600],
    )


@dataclass(frozen=True)
class ApplicantPlan:
    """The applicants of one simulation, written in blocks of ``block`` rows. Block ``b`` draws
    from its own generator (block 0 from the one used before blocks existed), so blocks can be
    written by different processes and still be the same rows. On PostgreSQL the keys are
    ``first_id + n``, taken in one block up front."""

    count: int
    seed: int
    first_id: int
    id_base: int
    block: int = 5000

    @property
    def blocks(self) -> int:
        return (self.count + self.block - 1) // self.block

    def ids(self) -> list[int]:
        return list(range(self.first_id, self.first_id + self.count))


def plan_applicants(count: int, seed: int, *, block: int = 5000) -> ApplicantPlan:
    first = (Applicant.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    id_base = 10**11 + (seed % 1000) * 10**8 + Applicant.objects.count()
    return ApplicantPlan(count=count, seed=seed, first_id=first, id_base=id_base, block=block)


def _block_rows(plan: ApplicantPlan, block: int) -> list[Applicant]:
    seed = plan.seed * 7919 + 17 + (block and 1_000_003 * block)
    rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
    first = block * plan.block
    return [
        _person(rng, n, plan.id_base) for n in range(first, min(plan.count, first + plan.block))
    ]


def write_applicant_blocks(plan: ApplicantPlan, blocks: Iterable[int]) -> None:
    """Write the given blocks with their planned keys (PostgreSQL, ``COPY``), then make sure the
    key sequence is past them. Nobody else may write applicants meanwhile."""
    for block in blocks:
        rows = _block_rows(plan, block)
        for n, row in enumerate(rows, block * plan.block):
            row.pk = plan.first_id + n
        insert_rows(Applicant, rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
            [Applicant._meta.db_table, plan.first_id + plan.count],
        )


def make_applicants(count: int, seed: int, *, batch: int = 5000) -> list[int]:
    """Create ``count`` applicants (the same rows on both paths) and return their ids."""
    plan = plan_applicants(count, seed, block=batch)
    if connection.vendor == "postgresql":
        write_applicant_blocks(plan, range(plan.blocks))
        return plan.ids()
    ids: list[int] = []
    for block in range(plan.blocks):
        created = Applicant.objects.bulk_create(_block_rows(plan, block), batch_size=batch)
        ids.extend(a.pk for a in created)
    if len(ids) != count or any(pk is None for pk in ids):  # pragma: no cover - backend guard
        ids = list(Applicant.objects.order_by("-pk").values_list("pk", flat=True)[:count])[::-1]
    return ids


def arrivals(
    ref: Reference,
    *,
    dossiers: int,
    start: dt.date,
    end: dt.date,
    seed: int,
    rates: Rates,
    applicant_ids: list[int],
    part: tuple[int, int] | None = None,
) -> Iterator[Arrival | Foreign]:
    """The arrivals, in time order (deterministic for a seed).

    With ``part=(k, n)`` only the dossiers whose audit chain falls in part ``k`` of ``n`` come
    as :class:`Arrival`; the others come as :class:`Foreign` (their moment and receiving agency
    only, for the day's code numbers). ``index`` is the position among all arrivals either way."""
    rng = random.Random(seed)  # noqa: S311 (reproducible, not secret)
    default_cal = calendar_for(None)
    days = _working_days(default_cal, start, end)
    if not days:
        raise MotcuaError("Khoảng thời gian mô phỏng không có ngày làm việc nào.")
    chains = audit_chain_count()
    items: list[tuple[dt.datetime, int, int, int, int, int]] = []
    for index in range(dossiers):
        info_index = rng.choices(range(len(ref.versions)), weights=ref.weights)[0]
        ordinal = days[rng.randrange(len(days))].toordinal()
        own = random.Random(seed * 1_000_003 + index)  # noqa: S311 (reproducible, not secret)
        info = ref.versions[info_index]
        plan = _plan(own, rates, info.channels)
        receiving = info.receiving[own.randrange(len(info.receiving))]
        night = plan.channel == Channel.ONLINE and own.random() < rates.online_after_hours
        moment = _arrival_moment(
            own, ref.calendar(receiving.pk), dt.date.fromordinal(ordinal), night
        )
        # The UUID is the next draw (as below): it decides the audit chain, hence the part.
        mine = 1
        if part is not None:
            dossier_uuid = str(uuid.UUID(int=own.getrandbits(128), version=4))
            mine = int(chain_for(sv.OBJECT_TYPE, dossier_uuid, chains) % part[1] == part[0])
        items.append((moment, index, info_index, ordinal, mine, receiving.pk))
    items.sort()
    for position, (moment, index, info_index, ordinal, mine, receiving_id) in enumerate(items):
        if not mine:
            yield Foreign(at=moment, receiving_id=receiving_id)
            continue
        own = random.Random(seed * 1_000_003 + index)  # noqa: S311 (reproducible, not secret)
        info = ref.versions[info_index]
        plan = _plan(own, rates, info.channels)
        _plan_extras(plan, seed, index, rates)
        receiving = info.receiving[own.randrange(len(info.receiving))]
        cal = ref.calendar(receiving.pk)
        night = plan.channel == Channel.ONLINE and own.random() < rates.online_after_hours
        _arrival_moment(own, cal, dt.date.fromordinal(ordinal), night)  # same draws again
        yield Arrival(
            index=position,
            at=moment,
            info=info,
            receiving=receiving,
            competent=info.competent[receiving.pk],
            channel=plan.channel,
            applicant_id=applicant_ids[index % len(applicant_ids)],
            uuid=uuid.UUID(int=own.getrandbits(128), version=4),
            summary=f"Đề nghị giải quyết thủ tục: {info.name}"[:500],
            plan=plan,
            rng=own,
        )


# --- the life of a dossier ----------------------------------------------------------------------


def _later(cal: WorkingCalendar, at: dt.datetime, hours: float) -> dt.datetime:
    """``at`` plus working hours, to the minute (the calendar is exact in fractions)."""
    return cal.add_working_minutes(at, max(1, round(hours * 60)))


def _share_of_left(
    cal: WorkingCalendar, d: Dossier, at: dt.datetime, rng: random.Random, late: bool
) -> float:
    if d.due_at is None:
        return rng.uniform(1, 8)
    left = float(clock.working_hours(cal, at, d.due_at))
    share = rng.uniform(0.15, 0.35)
    hours = left * share
    if late:
        hours = max(hours, left * 0.6 + rng.uniform(2, 16))
    return max(0.25, hours)


def next_step(d: Dossier, arrival: Arrival, ref: Reference, at: dt.datetime) -> Step | None:
    """The next action on ``d`` after the moment ``at``, or None when its life is over."""
    plan, rng = arrival.plan, arrival.rng
    cal, reception, specialist, head, leader = ref.crew(arrival.receiving.id, arrival.competent.id)
    status = STATUS_OF[d.status]
    if status is S.SUBMITTED:
        hours = rng.uniform(0.5, 12) if plan.channel == Channel.ONLINE else rng.uniform(0.1, 0.5)
        when = _later(cal, at, hours)
        if plan.reception == "refuse":
            return Step("refuse", when, reception, {"reason": REFUSE_REASON})
        if plan.reception == "supplement" and "reception_supplement" not in plan.done:
            plan.done.add("reception_supplement")
            return Step("request_supplement", when, reception, {"reason": SUPPLEMENT_REASON})
        return Step("accept", when, reception)
    if status in (S.SUPPLEMENT_REQUESTED_AT_RECEPTION, S.SUPPLEMENT_REQUESTED):
        if plan.supplement_answered:
            when = _later(cal, at, rng.uniform(4, 60))
            name = (
                "resubmit"
                if status is S.SUPPLEMENT_REQUESTED_AT_RECEPTION
                else "receive_supplement"
            )
            return Step(name, when, reception)
        requested = clock.local_day(d.supplement_requested_at or at)
        day = requested + dt.timedelta(days=CLOSE_UNSUPPLEMENTED_AFTER_DAYS)
        tz = timezone.get_current_timezone()
        # The nightly sweep closes it (actor: the system).
        return Step(
            "close_unsupplemented", dt.datetime.combine(day, dt.time(0, 30), tzinfo=tz), None
        )
    if status is S.RECEIVED:
        return Step("forward", _later(cal, at, rng.uniform(0.2, 3)), reception)
    if status is S.AWAITING_ASSIGNMENT:
        return Step("assign", _later(cal, at, rng.uniform(0.5, 6)), head, {"assignee": specialist})
    if status is S.APPRAISING:
        if plan.withdraw and "withdraw" not in plan.done:
            plan.done.add("withdraw")
            return Step(
                "withdraw",
                _later(cal, at, rng.uniform(1, 12)),
                reception,
                {"reason": WITHDRAW_REASON},
            )
        if plan.supplement_after and "supplement_after" not in plan.done:
            plan.done.add("supplement_after")
            return Step(
                "request_supplement_after_appraisal",
                _later(cal, at, rng.uniform(0.5, 4)),
                specialist,
                {"reason": SUPPLEMENT_REASON},
            )
        if plan.payment and "payment" not in plan.done:
            plan.done.add("payment")
            amount = rng.choice([30_000, 50_000, 100_000, 200_000, 500_000])
            return Step(
                "request_payment",
                _later(cal, at, rng.uniform(1, 8)),
                specialist,
                {"amount": amount},
            )
        if plan.extension and "extension" not in plan.done and d.due_at is not None:
            plan.done.add("extension")
            when = _later(cal, at, rng.uniform(0.5, 4))
            new_due = cal.add_working_days(d.due_at, rng.randrange(2, 6))
            return Step(
                "request_extension",
                when,
                head,
                {"new_due_at": new_due, "reason": EXTENSION_REASON},
            )
        return Step(
            "submit_draft", _later(cal, at, _share_of_left(cal, d, at, rng, plan.late)), specialist
        )
    if status is S.AWAITING_PAYMENT:
        # Through the gateway the portal's callback records it (the system); else the
        # applicant pays at the counter (NĐ 118/2025 Điều 24).
        payer = None if plan.paid_online else reception
        return Step("record_payment", _later(cal, at, rng.uniform(2, 30)), payer)
    if status is S.AWAITING_APPROVAL:
        when = _later(cal, at, _share_of_left(cal, d, at, rng, plan.late))
        if plan.return_step and "return_step" not in plan.done:
            plan.done.add("return_step")
            return Step("return_step", when, head, {"reason": RETURN_REASON})
        return Step("approve", when, head)
    if status is S.AWAITING_SIGNATURE:
        when = _later(cal, at, _share_of_left(cal, d, at, rng, plan.late))
        if plan.refuse_after:
            return Step("refuse_after_appraisal", when, leader, {"reason": REFUSE_AFTER_REASON})
        return Step("sign", when, leader)
    if status in (S.RESOLVED, S.REFUSED_AFTER_APPRAISAL):
        return Step("return_result", _later(cal, at, rng.uniform(1, 24)), reception)
    if status is S.RETURNED:
        if plan.error and "error" not in plan.done:
            plan.done.add("error")
            return Step(
                "report_error",
                _later(cal, at, rng.uniform(8, 40)),
                reception,
                {"reason": ERROR_REASON},
            )
        return None
    if status is S.RESULT_UNDER_CORRECTION:
        return Step("correct_result", _later(cal, at, rng.uniform(2, 20)), leader)
    if status is S.WITHDRAWAL_REQUESTED:
        return Step("stop", _later(cal, at, rng.uniform(1, 8)), reception)
    return None


# --- the services path --------------------------------------------------------------------------


class _AuditClock:
    """Stands in for ``django.utils.timezone`` inside ``motcua.audit.services`` so audit entries
    are dated at the simulated moment (the chain stays in time order)."""

    def __init__(self) -> None:
        self.moment: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.moment or timezone.now()

    def __getattr__(self, name: str) -> Any:
        return getattr(timezone, name)


@contextlib.contextmanager
def simulated_identity() -> Iterator[tuple[_AuditClock, list[uuid.UUID]]]:
    """Within: audit entries take the simulated moment, new dossiers the next queued UUID."""
    from motcua.audit import services as audit_services

    fake = _AuditClock()
    queue: list[uuid.UUID] = []
    field_ = Dossier._meta.get_field("uuid")
    original_default = field_.default
    original_tz = audit_services.timezone
    field_.__dict__.pop("_get_default", None)
    field_.default = lambda: queue.pop() if queue else uuid.uuid4()
    audit_services.timezone = fake  # type: ignore[assignment]
    try:
        yield fake, queue
    finally:
        audit_services.timezone = original_tz
        field_.default = original_default
        field_.__dict__.pop("_get_default", None)


class ServicesBackend:
    """Every step through the public services (one transaction each)."""

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.fake: _AuditClock | None = None
        self.queue: list[uuid.UUID] = []

    def create(self, arrival: Arrival) -> Dossier:
        if self.fake is None:
            raise RuntimeError("ServicesBackend is used inside simulated_identity()")
        self.fake.moment = arrival.at
        self.queue[:] = [arrival.uuid]
        plan = arrival.plan
        documents = [
            sv.DocumentInput(
                required_document=doc,
                scanned=plan.digitised,
                # The first component (usually the identity or earlier result) is reused.
                reused=plan.reused and n == 0,
                reuse_source=REUSE_SOURCE if plan.reused and n == 0 else "",
            )
            for n, doc in enumerate(arrival.info.documents)
        ]
        applicant = Applicant(pk=arrival.applicant_id)
        if arrival.channel == Channel.ONLINE:
            return sv.dossier_submit_online(
                actor=None,
                procedure=arrival.info.version,
                receiving_agency=arrival.receiving,
                competent_agency=arrival.competent,
                applicant=applicant,
                documents=documents,
                return_method=ReturnMethod.ONLINE,
                summary=arrival.summary,
                at=arrival.at,
            )
        return sv.dossier_receive(
            actor=self.ref.officer(arrival.receiving.pk, Role.RECEPTION_OFFICER),
            procedure=arrival.info.version,
            receiving_agency=arrival.receiving,
            competent_agency=arrival.competent,
            applicant=applicant,
            documents=documents,
            channel=arrival.channel,
            return_method=ReturnMethod.POST
            if arrival.channel == Channel.POSTAL
            else ReturnMethod.COUNTER,
            summary=arrival.summary,
            at=arrival.at,
        )

    def act(self, dossier: Dossier, step: Step, arrival: Arrival) -> Dossier:
        if self.fake is None:
            raise RuntimeError("ServicesBackend is used inside simulated_identity()")
        self.fake.moment = step.at
        service: Callable[..., Dossier] = getattr(sv, f"dossier_{step.name}")
        kwargs = dict(step.kwargs)
        if step.name == "accept" and self.ref.limit(arrival.info.version, arrival.channel) is None:
            kwargs["due_at"] = manual_due(self.ref, arrival, step.at)
        return service(actor=step.actor, dossier=dossier.pk, at=step.at, **kwargs)

    def retire(self, dossier: Dossier) -> None:
        pass

    def finish(self) -> None:
        pass


def manual_due(ref: Reference, arrival: Arrival, at: dt.datetime) -> dt.datetime:
    """The due moment an officer sets by hand when the time limit needs review: 10 working days."""
    return ref.calendar(arrival.receiving.pk).add_working_days(at, 10)


# --- the driver ---------------------------------------------------------------------------------


def simulate(
    *,
    dossiers: int,
    years: float = 1.0,
    seed: int = 1,
    path: str = "bulk",
    end: dt.datetime | None = None,
    rates: Rates | None = None,
    progress: Callable[[int], Any] | None = None,
    batch: int = 5000,
    limit_procedures: int | None = None,
    applicant_ids: list[int] | None = None,
    workers: int = 1,
    processes: bool = True,
    defer_indexes: bool | None = None,
    integrations: bool = False,
) -> SimulationReport:
    """Generate ``dossiers`` dossiers arriving over the ``years`` before ``end`` (default: now).

    ``progress(n)`` is called as arrivals are processed (n new dossiers since the last call).
    Needs the catalogue and agencies (``motcua demo --no-serve``).

    ``workers=n`` (bulk path) splits the province into ``n`` parts by audit chain: each part
    simulates the dossiers whose entries go to its chains, so the parts share no chain head, no
    dossier and no row; each still counts every arrival in the day's code sequences (part 0
    writes them). With ``processes`` the parts run in as many forked processes at once (each
    with its own database connection); without, one after the other in this process (the
    equality test). The rows are those of ``workers=1``, ids excepted.

    ``defer_indexes`` (default: on PostgreSQL from :data:`DEFER_INDEXES_FROM` dossiers): the
    written tables' secondary indexes are dropped for the run and rebuilt at its end
    (``common.bulkload``; unique keys stay).

    ``integrations`` (``motcua simulate``): then the passes of ``integrations.simulation``
    (national sync, QĐ 766 1.4; origin of reused components and results pushed to the
    citizens' stores, 4.4), still inside the load window: their tables' keys and secondary
    indexes are deferred with the others (at 150 000 dossiers the passes took ≈ 2.6 s instead
    of ≈ 4.6 s after the rebuild; docs/scaling.md, session 6). With ``workers > 1`` and
    ``processes`` they run in a forked process of their own, alongside the feedback pass's parts
    (no table in common; mostly PostgreSQL's work against its mostly Python one)."""
    if path not in ("services", "bulk"):
        raise ValueError("path must be 'services' or 'bulk'")
    if workers < 1 or (workers > 1 and path != "bulk"):
        raise ValueError("workers > 1 needs the bulk path")
    started = time.monotonic()
    moment = end or timezone.now()
    start_day = clock.local_day(moment) - dt.timedelta(days=round(365 * years))
    ref = load_reference(limit_procedures=limit_procedures)
    if defer_indexes is None:
        defer_indexes = path == "bulk" and dossiers >= DEFER_INDEXES_FROM
    restore_deferred_indexes()  # a run killed half-way left some dropped: rebuild them first
    tables = _written_tables(integrations=integrations)
    with deferred_indexes(tables, enabled=defer_indexes) as dropped:
        # Some applicants come back with a second dossier.
        applicants = max(1, int(dossiers * 0.85))
        applicant_plan: ApplicantPlan | None = None
        if applicant_ids is None:
            if workers > 1 and processes and connection.vendor == "postgresql":
                # The forked parts write the applicants' blocks between them, then simulate.
                applicant_plan = plan_applicants(applicants, seed, block=batch)
                applicant_ids = applicant_plan.ids()
            else:
                applicant_ids = make_applicants(applicants, seed, batch=batch)
        job = _Job(
            dossiers=dossiers,
            seed=seed,
            path=path,
            moment=moment,
            start_day=start_day,
            rates=rates or Rates(),
            batch=batch,
            limit_procedures=limit_procedures,
            applicant_ids=applicant_ids,
            id_base=(Dossier.objects.aggregate(m=Max("pk"))["m"] or 0) + 1,
            sequences=_stored_sequences(start_day, clock.local_day(moment)),
        )
        with _fewer_collections():
            report = _run_parts(job, ref, workers, processes, progress, applicant_plan)
            report.ratings = rate_returned(job, ref, workers=workers, processes=processes)
            # The PAKN pass, and the integrations' (one SQL statement each on PostgreSQL) in a
            # process of their own alongside its parts: they share no table.
            from motcua.feedback import simulation as feedback

            items, tasks = feedback.feedback_tasks(job, workers=workers)
            if integrations:
                tasks.append(_integration_passes)
            results = run_tasks(tasks, processes=processes and workers > 1)
            feedback.feedback_keys_reset(items)
            if integrations:
                report.synced, report.store_origins, report.pushed = results[-1]
        report.deferred_indexes = len(dropped)
    report.seconds = time.monotonic() - started
    return report


def _integration_passes() -> tuple[int, int, int]:
    from motcua.integrations import simulation as passes

    return (
        passes.simulate_national_sync(),
        passes.simulate_store_origin(),
        passes.simulate_result_push(),
    )


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the generator with the cycle collector rarely awake. It allocates millions of model
    instances, very few of them in cycles (those are still collected, less often); with the
    default thresholds the full collections, each walking every object alive (the reference
    data, the open dossiers, the batches), took about 14 % of a part's CPU (measured with
    ``gc.callbacks``, docs/benchmarks.md). What exists before the run is frozen out of the
    collector's walks (and stays shared with forked parts, its pages not written)."""
    gc.collect()
    gc.freeze()
    threshold = gc.get_threshold()
    gc.set_threshold(*_COLLECTOR_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


#: Allocations before a young collection, then young collections before a middle one and middle
#: ones before a full one (Python's defaults: 700, 10, 10).
_COLLECTOR_THRESHOLD = (50_000, 20, 100)


# --- ratings after the return of the result -----------------------------------------------------


@dataclass(frozen=True)
class PlannedRating:
    """One applicant's rating of a returned dossier (``ratings.services.rating_record``)."""

    pk: int
    at: dt.datetime
    level: int
    source: str
    dossier_id: int
    code: str
    agency_id: int
    officer_id: int | None


def plan_ratings(job: _Job) -> list[PlannedRating]:
    """The ratings of the dossiers this simulation returned, in time order (the same on both
    paths: numbers of its own per dossier, from its UUID). At the counter the applicant rates
    on the device when taking the result; online or by post later, on the portal or a slip
    (NĐ 118/2025 Điều 31 khoản 1). Keys follow from the rating moments, after the stored ones."""
    from motcua.ratings.models import Rating, Source
    from motcua.ratings.scale import scale

    rates = job.rates
    if rates.rating <= 0:
        return []
    levels = [lv.value for lv in scale()]
    weights = (
        list(rates.rating_levels)
        if len(rates.rating_levels) == len(levels)
        else [1.0] * len(levels)
    )
    cumulative = list(itertools.accumulate(weights))
    sources = {
        Channel.ONLINE.value: Source.PORTAL.value,
        Channel.POSTAL.value: Source.SLIP.value,
    }
    found: list[tuple[dt.datetime, int, int, str, str, int, int | None]] = []
    rows = (
        Dossier.objects.filter(pk__gte=job.id_base, returned_at__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "uuid",
            "code",
            "returned_at",
            "channel",
            "receiving_agency_id",
            "assigned_to_id",
            "outcome",
        )
    )
    for (
        pk,
        dossier_uuid,
        code,
        returned_at,
        channel,
        agency_id,
        officer_id,
        outcome,
    ) in rows.iterator(chunk_size=5000):
        rated, late_roll, level_roll, delay_roll = uniforms(dossier_uuid.int ^ job.seed, 4)
        if rated >= rates.rating:
            continue
        if outcome == "late" and late_roll < rates.rating_late_dissatisfied:
            level = levels[-1]
        else:
            level = levels[bisect.bisect_right(cumulative, level_roll * cumulative[-1])]
        if channel == Channel.DIRECT:
            delay = dt.timedelta(minutes=1 + int(delay_roll * 14))
        else:
            delay = dt.timedelta(minutes=30 + int(delay_roll * (4 * 24 * 60 - 30)))
        if returned_at is None:  # pragma: no cover - filtered by the query
            continue
        at = returned_at + delay
        if at > job.moment:
            continue
        source = sources.get(channel, Source.COUNTER_DEVICE.value)
        found.append((at, pk, level, source, code or "", agency_id, officer_id))
    found.sort()
    base = (Rating.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return [
        PlannedRating(base + n, at, level, source, pk, code, agency_id, officer_id)
        for n, (at, pk, level, source, code, agency_id, officer_id) in enumerate(found)
    ]


def rate_returned(job: _Job, ref: Reference, *, workers: int = 1, processes: bool = True) -> int:
    """Record the planned ratings: through ``rating_record`` (services path) or as the same
    rows and audit entries in batches (bulk path). Runs once, after every part.

    On the bulk path with ``workers > 1`` the ratings are split like the dossiers, by the audit
    chain of their entry (``chain_for("rating", key) mod workers``): no two parts lock the same
    chain head, and each chain gets its entries in the order one process gives them (the plan
    is in time order, each part keeps that order). With ``processes`` on PostgreSQL the parts
    run in forked processes at once, otherwise one after the other (the equality test)."""
    planned = plan_ratings(job)
    if not planned:
        return 0
    if job.path == "bulk":
        from motcua.dossiers.simulation_bulk import write_ratings

        if workers == 1:
            write_ratings(planned, batch=job.batch)
        else:
            chains = audit_chain_count()
            parts: list[list[PlannedRating]] = [[] for _ in range(workers)]
            for p in planned:
                parts[chain_for("rating", str(p.pk), chains) % workers].append(p)
            run_tasks(
                [functools.partial(write_ratings, part, batch=job.batch) for part in parts],
                processes=processes,
            )
    else:
        _record_ratings(planned, ref)
    _reset_rating_keys()
    return len(planned)


def run_tasks(tasks: list[Callable[[], Any]], *, processes: bool) -> list[Any]:
    """Run ``tasks`` in forked processes at once (``processes``, on PostgreSQL, more than one
    task; ``motcua.common.forked``, the first failure raised here) or one after the other
    here; their results in order."""
    if processes and len(tasks) > 1 and connection.vendor == "postgresql":
        return in_forked_processes(tasks, what="Mô phỏng")
    return [task() for task in tasks]


def _record_ratings(planned: list[PlannedRating], ref: Reference) -> None:
    from motcua.ratings.models import Rating
    from motcua.ratings.services import rating_record

    users = {user.pk: user for user in ref.officers.values()}
    pk_field = Rating._meta.get_field("id")
    queue: list[int] = []
    original = pk_field.default
    pk_field.__dict__.pop("_get_default", None)
    pk_field.default = lambda: queue.pop() if queue else None
    try:
        with simulated_identity() as (fake, _uuids):
            for p in planned:
                fake.moment = p.at
                queue[:] = [p.pk]
                dossier = Dossier.objects.select_related("receiving_agency").get(pk=p.dossier_id)
                rating_record(
                    level=p.level,
                    source=p.source,
                    dossier=dossier,
                    officer=users.get(p.officer_id) if p.officer_id else None,
                    at=p.at,
                )
    finally:
        pk_field.default = original
        pk_field.__dict__.pop("_get_default", None)


def _reset_rating_keys() -> None:
    """The ratings took explicit keys: move PostgreSQL's sequence past them."""
    if connection.vendor != "postgresql":
        return
    from motcua.ratings.models import Rating

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "(SELECT COALESCE(MAX(id), 1) FROM ratings_rating))",
            [Rating._meta.db_table],
        )


def _run_parts(
    job: _Job,
    ref: Reference,
    workers: int,
    processes: bool,
    progress: Callable[[int], Any] | None,
    applicant_plan: ApplicantPlan | None,
) -> SimulationReport:
    if workers == 1:
        return _simulate_part(job, ref, None, progress)
    if not processes:
        report = SimulationReport(path=job.path)
        for k in range(workers):
            report.add(_simulate_part(job, ref, (k, workers), progress))
        return report
    return _simulate_forked(job, workers, progress, applicant_plan)


#: From this many dossiers the bulk path rebuilds the secondary indexes after the load instead of
#: maintaining them row by row (measured in docs/benchmarks.md).
DEFER_INDEXES_FROM = 50_000


def _written_tables(*, integrations: bool = False) -> list[str]:
    from motcua.audit.models import AuditEntry
    from motcua.ratings.models import Rating

    tables = [
        m._meta.db_table
        for m in (Dossier, DossierDocument, DossierEvent, ClockEvent, AuditEntry, Applicant, Rating)
    ]
    if integrations:
        from motcua.integrations.models import NationalSync, ResultStorePush

        tables += [NationalSync._meta.db_table, ResultStorePush._meta.db_table]
    return tables


@dataclass
class _Job:
    """What every part of one simulation shares (computed once, before any part runs)."""

    dossiers: int
    seed: int
    path: str
    moment: dt.datetime
    start_day: dt.date
    rates: Rates
    batch: int
    limit_procedures: int | None
    applicant_ids: list[int]
    id_base: int
    sequences: dict[tuple[int, dt.date], int]


def _stored_sequences(first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], int]:
    """The day sequences already used in the period (the demo's dossiers), read once so every
    part numbers from the same start whatever the others have written meanwhile."""
    from motcua.dossiers.models import DailySequence

    rows = DailySequence.objects.filter(day__gte=first, day__lte=last).values_list(
        "agency_id", "day", "last_value"
    )
    return {(agency_id, day): value for agency_id, day, value in rows}


def _simulate_forked(
    job: _Job,
    workers: int,
    progress: Callable[[int], Any] | None,
    applicants: ApplicantPlan | None = None,
) -> SimulationReport:
    """Run the parts in ``workers`` forked processes and wait for all of them. With
    ``applicants``, part ``k`` first writes the applicant blocks ``k, k + n, …`` and every part
    waits for all of them before simulating (a dossier may name any applicant)."""
    import multiprocessing as mp
    import queue as queue_module

    from django.db import connections

    connections.close_all()  # each child opens its own connection
    ctx = mp.get_context("fork")
    messages = ctx.Queue()
    barrier = ctx.Barrier(workers)
    children = [
        ctx.Process(
            target=_child, args=(job, (k, workers), messages, applicants, barrier), daemon=True
        )
        for k in range(workers)
    ]
    for child in children:
        child.start()
    report = SimulationReport(path=job.path)
    finished = 0
    failure: str | None = None
    while finished < workers:
        try:
            kind, value = messages.get(timeout=1.0)
        except queue_module.Empty:
            if any(c.exitcode not in (None, 0) for c in children):
                failure = failure or "một tiến trình mô phỏng đã dừng bất thường"
                break
            continue
        if kind == "progress" and progress is not None:
            progress(value)
        elif kind == "done":
            report.add(value)
            finished += 1
        elif kind == "error":
            failure = str(value)
            finished += 1
    if failure is not None:
        barrier.abort()  # a part waiting for the others' applicants gives up
    for child in children:
        child.join(timeout=None if failure is None else 5)
        if child.is_alive():  # pragma: no cover - only after a failure elsewhere
            child.terminate()
    if failure is not None:
        raise MotcuaError(f"Mô phỏng thất bại: {failure}")
    return report


def _child(
    job: _Job,
    part: tuple[int, int],
    messages: Any,
    applicants: ApplicantPlan | None,
    barrier: Any,
) -> None:  # pragma: no cover - runs in the child processes of the PostgreSQL test
    """The body of one forked part."""
    from django.db import connections

    try:
        if applicants is not None:
            write_applicant_blocks(applicants, range(part[0], applicants.blocks, part[1]))
            barrier.wait()
        ref = load_reference(limit_procedures=job.limit_procedures)
        report = _simulate_part(job, ref, part, lambda n: messages.put(("progress", n)))
        messages.put(("done", report))
    except BaseException as exc:
        messages.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def _simulate_part(
    job: _Job,
    ref: Reference,
    part: tuple[int, int] | None,
    progress: Callable[[int], Any] | None,
) -> SimulationReport:
    moment = job.moment
    report = SimulationReport(path=job.path)
    backend: Backend
    bulk: Any = None
    if job.path == "bulk":
        from motcua.dossiers.simulation_bulk import BulkBackend

        bulk = backend = BulkBackend(
            ref,
            batch=job.batch,
            id_base=job.id_base,
            sequences=job.sequences,
            write_sequences=part is None or part[0] == 0,
        )
    else:
        backend = ServicesBackend(ref)
    live: dict[int, tuple[Dossier, Arrival]] = {}
    heap: list[tuple[dt.datetime, int, int, Step]] = []
    counter = 0

    def schedule(d: Dossier, arrival: Arrival, after: dt.datetime) -> None:
        nonlocal counter
        step = next_step(d, arrival, ref, after)
        if step is None or step.at > moment:
            backend.retire(d)
            live.pop(arrival.index, None)
            return
        counter += 1
        heapq.heappush(heap, (step.at, counter, arrival.index, step))

    def drain(until: dt.datetime | None) -> None:
        while heap and (until is None or heap[0][0] <= until):
            _, _, index, step = heapq.heappop(heap)
            d, arrival = live[index]
            try:
                d = backend.act(d, step, arrival)
                report.steps += 1
            except (TransitionNotAllowed, DossierInvalid):
                # A rule refused the planned action (an extension too close to the due date, a
                # supplement after three working days): the dossier carries on without it.
                report.refused_steps += 1
            live[index] = (d, arrival)
            schedule(d, arrival, step.at)

    context = simulated_identity() if job.path == "services" else contextlib.nullcontext()
    with context as identity:
        if isinstance(backend, ServicesBackend) and identity is not None:
            backend.fake, backend.queue = identity
        pending = 0
        for arrival in arrivals(
            ref,
            dossiers=job.dossiers,
            start=job.start_day,
            end=clock.local_day(moment),
            seed=job.seed,
            rates=job.rates,
            applicant_ids=job.applicant_ids,
            part=part,
        ):
            if arrival.at > moment:
                continue
            if isinstance(arrival, Foreign):
                bulk.count_foreign(arrival.receiving_id, arrival.at)
                continue
            drain(arrival.at)
            d = backend.create(arrival)
            report.dossiers += 1
            live[arrival.index] = (d, arrival)
            schedule(d, arrival, arrival.at)
            pending += 1
            if progress is not None and pending >= 1000:
                progress(pending)
                pending = 0
        drain(None)
        for d, _arrival in list(live.values()):
            backend.retire(d)
        backend.finish()
        if progress is not None and pending:
            progress(pending)
    return report
