"""Demo feedback (``motcua demo``): a few items in every state, through the services, about the
land registration office, from the demo citizen and from an anonymous sender."""

from __future__ import annotations

import datetime as dt

from motcua.accounts.models import User
from motcua.agencies.models import Agency
from motcua.feedback import services as sv
from motcua.feedback.models import Feedback, Kind

FIRST = "Đề nghị niêm yết rõ thời gian trả kết quả"


def demo_feedback_build(moment: dt.datetime) -> int:
    """Build the demo items unless they exist (the simulated province has its own too); the
    number of items built."""
    from motcua.demo import agencies as demo_agencies

    land = Agency.objects.filter(code=demo_agencies.LAND_REGISTRATION_OFFICE).first()
    citizen = User.objects.filter(username="congdan").first()
    specialist = User.objects.filter(username="chuyenvien.datdai").first()
    head = User.objects.filter(username="truongphong.datdai").first()
    if land is None or citizen is None or specialist is None or head is None:
        return 0
    if Feedback.objects.filter(agency=land, title=FIRST).exists():
        return 0

    def day(n: float) -> dt.datetime:
        return moment - dt.timedelta(days=n)

    def item(n: float, title: str, kind: Kind = Kind.REGULATION, own: bool = True) -> Feedback:
        return sv.feedback_submit(
            agency=land,
            kind=kind,
            title=title,
            content=f"{title}. Đề nghị cơ quan xem xét, trả lời.",
            citizen=citizen if own else None,
            contact_name="" if own else "Trần Văn Hùng",
            contact_phone="" if own else "0914555666",
            at=day(n),
        )

    item(1, FIRST)
    a = item(3, "Chưa rõ giấy tờ cần nộp khi đăng ký biến động", own=False)
    sv.feedback_request_supplement(
        feedback_id=a.uuid, actor=specialist, note="Đề nghị cho biết mã hồ sơ.", at=day(2)
    )
    b = item(6, "Phản ánh ngoài thẩm quyền của Văn phòng", own=False)
    sv.feedback_refuse(
        feedback_id=b.uuid, actor=specialist, reason="Không thuộc thẩm quyền.", at=day(5)
    )
    c = item(10, "Cán bộ hướng dẫn chưa tận tình", Kind.CONDUCT)
    sv.feedback_answer(
        feedback_id=c.uuid, actor=specialist, answer="Đã nhắc nhở cán bộ.", at=day(4)
    )
    d = item(20, "Thời hạn giải quyết đăng ký biến động quá dài")
    sv.feedback_answer(
        feedback_id=d.uuid, actor=specialist, answer="Thời hạn theo quy định hiện hành.", at=day(9)
    )
    sv.feedback_approve(feedback_id=d.uuid, actor=head, publish=False, at=day(8))
    e = item(30, "Đề nghị bổ sung hình thức thanh toán trực tuyến")
    sv.feedback_answer(
        feedback_id=e.uuid,
        actor=specialist,
        answer="Đã triển khai thanh toán trực tuyến.",
        at=day(20),
    )
    sv.feedback_approve(feedback_id=e.uuid, actor=head, at=day(19))
    sv.feedback_react(feedback_id=e.uuid, citizen=citizen, like=True, at=day(18))
    f = item(40, "Phí đo đạc chưa được công khai", Kind.REGULATION)
    sv.feedback_answer(
        feedback_id=f.uuid, actor=specialist, answer="Mức phí đã niêm yết tại quầy.", at=day(25)
    )
    sv.feedback_approve(feedback_id=f.uuid, actor=head, at=day(24))
    sv.feedback_react(feedback_id=f.uuid, citizen=citizen, like=False, at=day(23))
    sv.feedback_reraise(
        feedback_id=f.uuid, citizen=citizen, reason="Chưa thấy niêm yết tại quầy.", at=day(22)
    )
    return 7
