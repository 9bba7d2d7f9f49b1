"""Reminders (due tests, expiring qualification, yesterday's missing log, helium), the digest
e-mail and notifications, the management command, and the pages that show them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.reports.conftest import PASSWORD, add_measurements, decide_all_pass


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _mr(world):
    from huren.registry.models import Device

    return Device.objects.create(department=world.ct_a.department, name="MR-a", modality="MR", manufacturer="Siemens",
                                 model_name="Skyra", serial_number="MR-SN-a", field_strength_t=3.0)


def _log(device, user, day, **kw):
    from huren.evidence.models import DailyLog

    return DailyLog.objects.create(device=device, recorded_by=user, performed_on=day, **kw)


def test_next_due_date_is_the_last_result_plus_the_catalog_period(world):
    from huren.assessment.verdicts import current_catalog
    from huren.reports.reminders import device_reminders

    today = timezone.localdate()
    period = current_catalog()["CT-QC-HU-WATER"].period_days
    last = today - dt.timedelta(days=period - 10)  # falls due in 10 days
    add_measurements(world.ct_a, world.users["tech_a"], [0.5], start=last)
    due = {r.key: r for r in device_reminders(world.ct_a).of("due")}
    r = due["CT-QC-HU-WATER"]
    assert r.day == last + dt.timedelta(days=period) and not r.overdue and str(r.day) in r.text_zh
    # a result just done is not due within 30 days
    add_measurements(world.ct_b, world.users["tech_b"], [0.5], start=today)
    assert "CT-QC-HU-WATER" not in {r.key for r in device_reminders(world.ct_b).of("due")}
    # never done: due now
    assert due["CT-QC-SLICE"].overdue and "尚无结果" in due["CT-QC-SLICE"].text_zh


def test_overdue_test_is_flagged_overdue(world):
    from huren.assessment.verdicts import current_catalog
    from huren.reports.reminders import device_reminders

    period = current_catalog()["CT-QC-HU-WATER"].period_days
    last = timezone.localdate() - dt.timedelta(days=period + 5)
    add_measurements(world.ct_a, world.users["tech_a"], [0.5], start=last)
    r = next(r for r in device_reminders(world.ct_a).of("due") if r.key == "CT-QC-HU-WATER")
    assert r.overdue and "逾期" in r.text_zh and "overdue since" in r.text_en


def test_qualification_expiring_within_90_days_and_not_before(world):
    from huren.reports.reminders import device_reminders

    decide_all_pass(world.ct_a, world, valid_days=60)
    (r,) = device_reminders(world.ct_a).of("expiring")
    assert r.day == timezone.localdate() + dt.timedelta(days=60) and "还有 60 天" in r.text_zh
    decide_all_pass(world.ct_b, world, valid_days=200)
    assert device_reminders(world.ct_b).of("expiring") == []


def test_yesterdays_missing_log(world):
    from huren.reports.reminders import device_reminders

    today = timezone.localdate()
    (r,) = device_reminders(world.ct_a).of("missing_log")
    assert r.day == today - dt.timedelta(days=1)
    _log(world.ct_a, world.users["tech_a"], today - dt.timedelta(days=1), temperature_c=22)
    assert device_reminders(world.ct_a).of("missing_log") == []


@pytest.mark.parametrize("levels,expect", [
    ((70.0, 69.9), set()),                                   # normal boil-off
    ((61.0, 58.0), {"helium_level", "helium_drop_percent_per_day"}),  # below 60 % and 3 points in a day
    ((59.5, 59.4), {"helium_level"}),                        # below the threshold, slow
    ((75.0, 72.0), {"helium_drop_percent_per_day"}),         # a sudden drop well above the threshold
])
def test_helium_absolute_threshold_and_fall_rate_both_alert(world, levels, expect):
    from huren.reports.reminders import device_reminders

    mr = _mr(world)
    today = timezone.localdate()
    _log(mr, world.users["tech_a"], today - dt.timedelta(days=1), helium_level_percent=levels[0])
    _log(mr, world.users["tech_a"], today, helium_level_percent=levels[1])
    got = device_reminders(mr).of("helium")
    assert {r.key for r in got} == expect
    for r in got:
        assert "液氦" in r.text_zh and "helium" in r.text_en


def test_digest_mails_each_hospitals_managers_and_the_centre_and_stores_notifications_once(world):
    from huren.reports.digest import run_digest
    from huren.reports.models import Notification

    world.users["manager_a"].email = "qc@jia.example"
    world.users["manager_a"].save()
    world.users["qc_admin"].email = "centre@qc.example"
    world.users["qc_admin"].save()
    r = run_digest()
    assert r.devices == 2 and r.reminders > 0
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["centre@qc.example", "qc@jia.example"]  # 乙医院 has no manager with an address
    jia = next(m for m in mail.outbox if m.to == ["qc@jia.example"])
    assert "甲医院" in jia.subject and "CT-a" in jia.body and "CT-b" not in jia.body and "缺少" in jia.body
    centre = next(m for m in mail.outbox if m.to == ["centre@qc.example"])
    assert "CT-a" in centre.body and "CT-b" in centre.body
    n = Notification.objects.count()
    assert n == r.notifications > 0
    assert not Notification.objects.filter(user=world.users["tech_b"]).exists()
    again = run_digest(send=False)
    assert again.notifications == 0 and Notification.objects.count() == n


def test_send_digest_command_and_the_daily_task(world, capsys):
    from huren.reports.tasks import daily_digest, next_run

    world.users["manager_a"].email = "qc@jia.example"
    world.users["manager_a"].save()
    call_command("send_digest")
    assert "邮件 1 封" in capsys.readouterr().out and len(mail.outbox) == 1
    res = daily_digest.call()
    assert res["devices"] == 2 and res["emails"] == 1
    nr = next_run(timezone.make_aware(dt.datetime(2026, 3, 1, 8, 0)))
    assert timezone.localtime(nr).date() == dt.date(2026, 3, 2) and timezone.localtime(nr).hour == 7


def test_pages_show_reminders_and_the_notification_count(client, world):
    from huren.reports.digest import run_digest

    run_digest(send=False)
    _login(client, world.users["manager_a"])
    html = client.get(reverse("web:device", args=[world.ct_a.pk])).content.decode()
    assert 'id="reminders"' in html and 'data-kind="missing_log"' in html and reverse("reports:device_charts", args=[world.ct_a.pk]) in html
    html = client.get(reverse("web:home")).content.decode()
    assert 'id="reminders"' in html and 'data-kind="due"' in html
    assert 'class="notifications-link"' in html and 'data-unread="' in html
    r = client.get(reverse("reports:notifications"))
    assert r.status_code == 200 and "CT-a" in r.content.decode()
    client.post(reverse("reports:notifications_read"))
    assert 'data-unread="' not in client.get(reverse("web:home")).content.decode()
    client.logout()
    _login(client, world.users["qc_admin"])
    html = client.get(reverse("web:qc_overview")).content.decode()
    assert 'id="reminders"' in html and "甲医院" in html and "乙医院" in html
    html = client.get(reverse("reports:reminders")).content.decode()
    assert "CT-a" in html and "CT-b" in html
    client.logout()
    _login(client, world.users["tech_b"])
    html = client.get(reverse("reports:reminders")).content.decode()
    assert "CT-b" in html and "CT-a" not in html
