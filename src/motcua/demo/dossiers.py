"""Demo dossiers: a few hundred dossiers over the last ~60 working days, in every status, built
only through the dossier services with ``at=`` moments (the simulator's services path, plus one
short, explicit life per status so that every status is on screen). Deterministic (seeded) and
idempotent: nothing is built when the database already holds dossiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from motcua.accounts.roles import Role
from motcua.agencies.models import Agency
from motcua.catalogue.models import Channel
from motcua.dossiers import services as sv
from motcua.dossiers.models import Applicant, Dossier
from motcua.dossiers.simulation import (
    Reference,
    VersionInfo,
    load_reference,
    make_applicants,
    simulate,
)
from motcua.dossiers.workflow import DossierStatus

S = DossierStatus
DEMO_SEED = 2026
DEMO_DOSSIERS = 300
#: About 60 working days.
DEMO_YEARS = 0.24


@dataclass
class DemoDossiers:
    built: bool
    dossiers: int

    def summary(self) -> str:
        if not self.built:
            return f"Hồ sơ trình diễn: đã có {self.dossiers} hồ sơ, không tạo thêm."
        return f"Hồ sơ trình diễn: {self.dossiers} hồ sơ ở mọi trạng thái."


#: For each status, the services that lead a fresh dossier there (after reception).
RECIPES: dict[DossierStatus, list[str]] = {
    S.SUBMITTED: [],
    S.SUPPLEMENT_REQUESTED_AT_RECEPTION: ["request_supplement"],
    S.REFUSED_AT_RECEPTION: ["refuse"],
    S.RECEIVED: ["accept"],
    S.AWAITING_ASSIGNMENT: ["accept", "forward"],
    S.APPRAISING: ["accept", "forward", "assign"],
    S.CONSULTING: ["accept", "forward", "assign", "consult"],
    S.AT_PARTNER_AGENCIES: ["accept", "forward", "assign", "hand_over_to_partners"],
    S.SUPPLEMENT_REQUESTED: ["accept", "forward", "assign", "supplement_after"],
    S.AWAITING_PAYMENT: ["accept", "forward", "assign", "request_payment"],
    S.AWAITING_APPROVAL: ["accept", "forward", "assign", "submit_draft"],
    S.AWAITING_SIGNATURE: ["accept", "forward", "assign", "submit_draft", "approve"],
    S.WITHDRAWAL_REQUESTED: ["accept", "forward", "assign", "withdraw"],
    S.STOPPED: ["accept", "forward", "assign", "withdraw", "stop"],
    S.CLOSED: ["request_supplement", "close"],
    S.RESOLVED: ["accept", "forward", "assign", "submit_draft", "approve", "sign"],
    S.REFUSED_AFTER_APPRAISAL: ["accept", "forward", "assign", "submit_draft", "approve", "refuse"],
    S.RETURNED: ["accept", "forward", "assign", "submit_draft", "approve", "sign", "return"],
    S.RESULT_UNDER_CORRECTION: [
        *["accept", "forward", "assign", "submit_draft", "approve", "sign", "return"],
        "report_error",
    ],
}


def _one_life(
    ref: Reference, info: VersionInfo, status: DossierStatus, applicant: Applicant, now: dt.datetime
) -> Dossier:
    receiving = info.receiving[0]
    competent = info.competent[receiving.pk]
    cal = ref.calendar(receiving.pk)
    reception = ref.officer(receiving.pk, Role.RECEPTION_OFFICER)
    specialist = ref.officer(competent.pk, Role.SPECIALIST)
    head = ref.officer(competent.pk, Role.DEPARTMENT_HEAD)
    leader = ref.officer(competent.pk, Role.AGENCY_LEADER)
    steps = RECIPES[status]
    # Start early enough for every step (one working hour apart) to be in the past; the
    # closure needs its 15 days.
    back = 20 if status is S.CLOSED else 3
    at = cal.normalize(now - dt.timedelta(days=back)).replace(second=0, microsecond=0)
    partners = [a for a in ref.agencies.values() if a.pk not in (receiving.pk, competent.pk)]
    partner: Agency = partners[0] if partners else receiving
    inter = "sequential" if status is S.AT_PARTNER_AGENCIES else ""
    d = sv.dossier_receive(
        actor=reception,
        procedure=info.version,
        receiving_agency=receiving,
        competent_agency=competent,
        applicant=applicant,
        documents=[sv.DocumentInput(required_document=doc) for doc in info.documents],
        channel=Channel.DIRECT,
        summary=f"Đề nghị giải quyết thủ tục: {info.name}"[:500],
        inter_agency_mode=inter,
        at=at,
    )
    actions: dict[str, Callable[[dt.datetime], Dossier]] = {
        "request_supplement": lambda t: sv.dossier_request_supplement(
            actor=reception, dossier=d.pk, reason="Thiếu bản sao giấy tờ tùy thân.", at=t
        ),
        "refuse": lambda t: (
            sv.dossier_refuse_after_appraisal(
                actor=leader, dossier=d.pk, reason="Không đủ điều kiện theo quy định.", at=t
            )
            if status is S.REFUSED_AFTER_APPRAISAL
            else sv.dossier_refuse(
                actor=reception, dossier=d.pk, reason="Không thuộc thẩm quyền.", at=t
            )
        ),
        "accept": lambda t: sv.dossier_accept(
            actor=reception,
            dossier=d.pk,
            due_at=None if ref.limit(info.version, Channel.DIRECT) else cal.add_working_days(t, 10),
            at=t,
        ),
        "forward": lambda t: sv.dossier_forward(actor=reception, dossier=d.pk, at=t),
        "assign": lambda t: sv.dossier_assign(actor=head, dossier=d.pk, assignee=specialist, at=t),
        "consult": lambda t: sv.dossier_consult(
            actor=specialist,
            dossier=d.pk,
            agency=partner,
            question="Đề nghị cho ý kiến về hiện trạng sử dụng đất.",
            due_at=cal.add_working_days(t, 5),
            at=t,
        ),
        "hand_over_to_partners": lambda t: sv.dossier_hand_over_to_partners(
            actor=specialist,
            dossier=d.pk,
            partners=[
                sv.PartnerInput(
                    agency=partner,
                    task="Xác nhận nghĩa vụ tài chính.",
                    due_at=cal.add_working_days(t, 3),
                )
            ],
            at=t,
        ),
        "supplement_after": lambda t: sv.dossier_request_supplement_after_appraisal(
            actor=specialist, dossier=d.pk, reason="Bổ sung bản vẽ sơ đồ thửa đất.", at=t
        ),
        "request_payment": lambda t: sv.dossier_request_payment(
            actor=specialist, dossier=d.pk, amount=100_000, at=t
        ),
        "submit_draft": lambda t: sv.dossier_submit_draft(actor=specialist, dossier=d.pk, at=t),
        "approve": lambda t: sv.dossier_approve(actor=head, dossier=d.pk, at=t),
        "sign": lambda t: sv.dossier_sign(actor=leader, dossier=d.pk, at=t),
        "withdraw": lambda t: sv.dossier_withdraw(
            actor=reception, dossier=d.pk, reason="Công dân đề nghị rút hồ sơ.", at=t
        ),
        "stop": lambda t: sv.dossier_stop(actor=reception, dossier=d.pk, at=t),
        "close": lambda t: sv.dossier_close_unsupplemented(actor=None, dossier=d.pk, at=t),
        "return": lambda t: sv.dossier_return_result(actor=reception, dossier=d.pk, at=t),
        "report_error": lambda t: sv.dossier_report_error(
            actor=reception, dossier=d.pk, reason="Kết quả ghi sai số thửa đất.", at=t
        ),
    }
    for name in steps:
        at = now - dt.timedelta(hours=1) if name == "close" else cal.add_working_hours(at, 1)
        d = actions[name](at)
    return d


def demo_dossiers_build(
    *, dossiers: int = DEMO_DOSSIERS, now: dt.datetime | None = None
) -> DemoDossiers:
    """Build the demo dossiers unless the database already holds dossiers."""
    existing = Dossier.objects.count()
    if existing:
        return DemoDossiers(built=False, dossiers=existing)
    moment = (now or timezone.now()).replace(second=0, microsecond=0)
    simulate(dossiers=dossiers, years=DEMO_YEARS, seed=DEMO_SEED, path="services", end=moment)
    ref = load_reference()
    applicants = make_applicants(len(RECIPES), DEMO_SEED + 1)
    infos = sorted(ref.versions, key=lambda i: (len(i.receiving) == 0, i.code))
    for n, status in enumerate(RECIPES):
        info = infos[n % len(infos)]
        _one_life(ref, info, status, Applicant(pk=applicants[n]), moment)
    from motcua.feedback.demo import demo_feedback_build  # PAKN in every state

    demo_feedback_build(moment)
    return DemoDossiers(built=True, dossiers=Dossier.objects.count())
