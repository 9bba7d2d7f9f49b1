"""The daily digest: each hospital's reminders, e-mailed to its QC contacts and stored as
in-app notifications; the QC centre's administrators get every institution's.

QC contacts are the users of the hospital's ``hospital_manager`` role (Django group) with an
e-mail address; at the centre, the ``qc_admin`` users. E-mail goes through Django's e-mail
framework (``EMAIL_BACKEND``: the file backend under ``HUREN_HOME/mail`` by default, SMTP in
production). Notifications are made once per user, device, subject and day, so running
the digest again the same day adds none and sends the same digest again only if asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage, mailers
from django.utils import timezone

from huren.accounts.roles import HOSPITAL_MANAGER, QC_ADMIN
from huren.registry.models import Device, Institution
from huren.reports.models import Notification
from huren.reports.reminders import reminders_for

KIND_ZH = {"due": "到期检测", "expiring": "资格即将到期", "missing_log": "缺少日常记录", "helium": "液氦报警"}


@dataclass
class DigestResult:
    devices: int
    reminders: int
    emails: int
    notifications: int


def _recipients(institution, role):
    return list(get_user_model().objects.filter(is_active=True, profile__institution=institution, groups__name=role).distinct())


def _text(inst_name: str, day: dt.date, groups) -> str:
    lines = [f"{inst_name} · {day} 质控提醒 / QC reminders", ""]
    for dr in groups:
        if not dr.items:
            continue
        d = dr.device
        lines.append(f"■ {d.department.institution.name} {d.name}（{d.modality}，{d.serial_number}）")
        for r in dr.items:
            lines.append(f"  - [{KIND_ZH[r.kind]}] {r.text_zh}")
            lines.append(f"    {r.text_en}")
        lines.append("")
    lines.append("本邮件由 huren 互认系统自动发送 / sent by huren")
    return "\n".join(lines)


def run_digest(*, on: dt.date | None = None, send: bool = True) -> DigestResult:
    on = on or timezone.localdate()
    devices = list(Device.objects.filter(active=True).select_related("department__institution").order_by(
        "department__institution__name", "name"))
    all_rem = reminders_for(devices, on=on)
    by_inst: dict[int, list] = {}
    for dr in all_rem:
        by_inst.setdefault(dr.device.department.institution_id, []).append(dr)
    insts = {i.pk: i for i in Institution.objects.filter(pk__in=by_inst)}
    messages, notes = [], []

    def notify(user, inst, groups):
        for dr in groups:
            for r in dr.items:
                notes.append(Notification(user=user, institution=inst, device=dr.device, kind=r.kind, key=r.key[:60],
                                          day=on, text_zh=r.text_zh, text_en=r.text_en))

    for iid, groups in by_inst.items():
        inst = insts[iid]
        if not any(dr.items for dr in groups):
            continue
        users = _recipients(inst, HOSPITAL_MANAGER)
        body = _text(inst.name, on, groups)
        n = sum(len(dr.items) for dr in groups)
        to = [u.email for u in users if u.email]
        if to:
            messages.append(EmailMessage(f"[huren] {inst.name} {on} 质控提醒 {n} 条 / {n} QC reminders", body, to=to))
        for u in users:
            notify(u, inst, groups)
    # the QC centres: every institution under them
    for centre in Institution.objects.filter(kind=Institution.Kind.QC_CENTRE):
        from huren.accounts.scope import institution_ids

        for u in _recipients(centre, QC_ADMIN):
            ids = institution_ids(u)
            groups = [dr for iid, gs in by_inst.items() if ids is None or iid in ids for dr in gs if dr.items]
            if not groups:
                continue
            n = sum(len(dr.items) for dr in groups)
            if u.email:
                messages.append(EmailMessage(f"[huren] {centre.name} {on} 全市质控提醒 {n} 条 / {n} QC reminders",
                                             _text(centre.name, on, groups), to=[u.email]))
            notify(u, centre, groups)
    before = Notification.objects.count()
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=500)  # the same one twice a day: kept once
    created = Notification.objects.count() - before
    from huren.reports.models import count_key

    cache.delete_many([count_key(n.user_id) for n in notes])
    sent = 0
    if send and messages:
        sent = mailers.default.send_messages(messages) or 0
    return DigestResult(len(devices), sum(len(dr.items) for dr in all_rem), sent, created)
