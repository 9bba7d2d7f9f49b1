"""Every page with Django's test client: status, Chinese by default, scope (404 for another
hospital's records), and the forms refusing what the API refuses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement

CJK = re.compile(r"[\u4e00-\u9fff]")


def _login(client, user):
    client.force_login(user)
    return client


def _text(resp) -> str:
    return resp.content.decode("utf-8")


def _row(html: str, item: str) -> str:
    m = re.search(rf'<tr id="item-{re.escape(item)}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"no row for {item}"
    return m.group(1)


def test_login_page_is_in_chinese_by_default(client, db):
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert "登录" in _text(r) and 'lang="zh-hans"' in _text(r)


def test_language_can_be_switched_to_english(client, db):
    r = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"}, follow=True)
    assert r.status_code == 200
    assert "Log in" in _text(r) and "登录" not in re.sub(r"<select.*?</select>", "", _text(r), flags=re.S)


def test_anonymous_user_is_sent_to_login(client, db):
    r = client.get(reverse("web:home"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_every_hospital_page_renders_in_chinese(client, world):
    _login(client, world.users["tech_a"])
    d = world.ct_a.pk
    urls = [
        reverse("web:home"), reverse("web:device", args=[d]), reverse("web:device_item", args=[d, "CT-EQ-ENV-T"]),
        reverse("web:record_log", args=[d]), reverse("web:record_measurement", args=[d]),
        reverse("web:record_checklist", args=[d]), reverse("web:record_document", args=[d]),
        reverse("web:assessment_list"), reverse("web:assessment_create", args=[d]),
        reverse("web:dicom_list"), reverse("web:dicom_upload"),
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        html = _text(r)
        assert "工作台" in html and len(CJK.findall(html)) > 20, url


def test_device_page_lists_every_catalog_item_of_its_modality(client, world):
    from huren.assessment.verdicts import current_catalog

    _login(client, world.users["tech_a"])
    html = _text(client.get(reverse("web:device", args=[world.ct_a.pk])))
    shown = set(re.findall(r'data-item="([^"]+)"', html))
    assert shown == {i.id for i in current_catalog().for_modality("CT")}
    assert "缺少证据" in html  # nothing recorded yet


def test_hospital_user_gets_404_for_another_hospitals_device(client, world):
    _login(client, world.users["tech_a"])
    other = world.ct_b.pk
    for url in (reverse("web:device", args=[other]), reverse("web:device_item", args=[other, "CT-EQ-ENV-T"]),
                reverse("web:record_log", args=[other]), reverse("web:record_measurement", args=[other]),
                reverse("web:assessment_create", args=[other])):
        assert client.get(url).status_code == 404, url
    r = client.post(reverse("web:record_log", args=[other]), {"performed_on": timezone.localdate(), "temperature_c": 21})
    assert r.status_code == 404
    assert not DailyLog.objects.exists()
    assert "CT-b" not in _text(client.get(reverse("web:home")))


def test_qc_overview_is_for_the_qc_centre_only(client, world):
    _login(client, world.users["tech_a"])
    assert client.get(reverse("web:qc_overview")).status_code == 403
    client.logout()
    _login(client, world.users["evaluator"])
    assert client.get(reverse("web:home")).status_code == 302
    r = client.get(reverse("web:qc_overview"))
    html = _text(r)
    assert r.status_code == 200 and "质控中心总览" in html and "CT-a" in html and "CT-b" in html
    r = client.get(reverse("web:qc_overview"), {"institution": world.hospital_b.pk, "modality": "CT"})
    assert "CT-b" in _text(r) and "CT-a" not in _text(r)
    r = client.get(reverse("web:qc_overview"), {"status": "qualified"})
    assert "CT-a" not in _text(r)  # nobody is qualified yet


def test_out_of_range_temperature_turns_the_item_to_fail(client, world):
    _login(client, world.users["tech_a"])
    dev = reverse("web:device", args=[world.ct_a.pk])
    assert "缺少证据" in _row(_text(client.get(dev)), "CT-EQ-ENV-T")
    r = client.post(reverse("web:record_log", args=[world.ct_a.pk]),
                    {"performed_on": timezone.localdate().isoformat(), "temperature_c": "29.5", "humidity_percent": "50"})
    assert r.status_code == 302, _text(r)
    row = _row(_text(client.get(dev)), "CT-EQ-ENV-T")
    assert 'data-verdict="fail"' in row and "不合格" in row and "29.5" in row
    assert DailyLog.objects.get().recorded_by == world.users["tech_a"]


def test_log_form_refuses_a_future_date_and_an_impossible_value_in_chinese(client, world):
    _login(client, world.users["tech_a"])
    url = reverse("web:record_log", args=[world.ct_a.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = client.post(url, {"performed_on": tomorrow.isoformat(), "temperature_c": "21"})
    assert r.status_code == 200 and "日期不能在将来" in _text(r)
    r = client.post(url, {"performed_on": timezone.localdate().isoformat(), "temperature_c": "215"})
    assert r.status_code == 200 and "超出允许范围" in _text(r)
    r = client.post(url, {"performed_on": timezone.localdate().isoformat()})
    assert r.status_code == 200 and "至少" in _text(r)
    assert not DailyLog.objects.exists()


def test_log_form_messages_are_bilingual_while_the_page_follows_the_language(client, world):
    _login(client, world.users["tech_a"])
    url = reverse("web:record_log", args=[world.ct_a.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    bad = {"performed_on": tomorrow.isoformat(), "temperature_c": "21"}
    r = client.post(url, bad)
    assert "日期不能在将来 / the date cannot be in the future" in _text(r) and "保存" in _text(r)
    client.post(reverse("set_language"), {"language": "en"})
    r = client.post(url, bad)
    assert "日期不能在将来 / the date cannot be in the future" in _text(r)
    assert 'lang="en"' in _text(r) and "保存" not in _text(r)  # the rest of the page is in English
    # Django's own messages too, in either language
    r = client.post(url, {"performed_on": "2024-13-45", "temperature_c": "warm"})
    errors = r.context["form"].errors
    assert "输入" in errors["performed_on"][0] and "Enter a valid date" in errors["performed_on"][0]
    assert "输入" in errors["temperature_c"][0] and "Enter a number" in errors["temperature_c"][0]
    assert not DailyLog.objects.exists()


EN_WORD = re.compile(r"[A-Za-z]{3,}")

# for each evidence form, posts with bad values: Django's own field checks (required,
# malformed number or date, unknown choice) and the shared rules the serializer applies
BAD_POSTS = {
    "record_log": [{"performed_on": "yesterday", "temperature_c": "21"},
                   {"performed_on": "{today}", "humidity_percent": "abc"},
                   {"performed_on": "{today}", "temperature_c": "215"}],
    "record_measurement": [{"performed_on": "{today}", "item": "CT-QC-HU-WATER", "metric": "ct_number_water", "unit": "HU"},
                           {"performed_on": "{today}", "item": "CT-QC-HU-WATER", "metric": "ct_number_water",
                            "unit": "HU", "value": "1,5e"},
                           {"performed_on": "{today}", "item": "CT-QC-HU-WATER", "metric": "noise_sd", "unit": "HU",
                            "value": "5"},
                           {"performed_on": "{today}", "item": "CT-QC-HU-WATER", "metric": "ct_number_water",
                            "unit": "mm", "value": "3"}],
    "record_checklist": [{"performed_on": "{today}", "item": "CT-EQ-ENV-CLEAN"},
                         {"performed_on": "31.02.2024", "item": "CT-EQ-ENV-CLEAN", "answer": "yes"},
                         # a plural-form message of Django's ("at most 2000 characters (it has 2001)")
                         {"performed_on": "{today}", "item": "CT-EQ-ENV-CLEAN", "answer": "yes", "note": "x" * 2001}],
    "record_document": [{"performed_on": "{today}", "items": ["CT-EQ-CAL"], "kind": "test_report"},
                        {"performed_on": "{today}", "items": ["NO-SUCH-ITEM"], "kind": "test_report", "title": "x"}],
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("view", sorted(BAD_POSTS))
def test_every_evidence_form_gives_bilingual_field_messages_and_saves_nothing(client, world, view, language):
    _login(client, world.users["tech_a"])
    client.post(reverse("set_language"), {"language": language})
    url = reverse(f"web:{view}", args=[world.ct_a.pk])
    today = timezone.localdate().isoformat()
    counts = [m.objects.count() for m in (DailyLog, Measurement, ChecklistAnswer, Document)]
    for post in BAD_POSTS[view]:
        data = {k: (v.replace("{today}", today) if isinstance(v, str) else v) for k, v in post.items()}
        r = client.post(url, data)
        assert r.status_code == 200, (view, post)
        assert f'lang="{language}"' in _text(r)
        messages = [m for ms in r.context["form"].errors.values() for m in ms]
        assert messages, (view, post)
        for m in messages:
            assert CJK.search(m) and EN_WORD.search(m.split(" / ")[-1]) and " / " in m, (view, post, m)
            if "note" in post:
                assert "2000" in m and "2001" in m and "characters" in m, m
    assert [m.objects.count() for m in (DailyLog, Measurement, ChecklistAnswer, Document)] == counts


def test_measurement_form_refuses_a_wrong_unit_and_records_the_right_one(client, world):
    _login(client, world.users["tech_a"])
    url = reverse("web:record_measurement", args=[world.ct_a.pk])
    base = {"performed_on": timezone.localdate().isoformat(), "item": "CT-QC-HU-WATER", "metric": "ct_number_water",
            "value": "3.5", "test_type": "status"}
    r = client.post(url, {**base, "unit": "mm"})
    assert r.status_code == 200 and "单位" in _text(r) and not Measurement.objects.exists()
    r = client.post(url, {**base, "unit": "HU"})
    assert r.status_code == 302
    m = Measurement.objects.get()
    assert (m.item, m.value, m.unit, m.device) == ("CT-QC-HU-WATER", 3.5, "HU", world.ct_a)


def test_document_upload_is_size_limited_and_stored_under_a_generated_name(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HUREN_MAX_UPLOAD_BYTES = 1000
    _login(client, world.users["tech_a"])
    url = reverse("web:record_document", args=[world.ct_a.pk])
    base = {"performed_on": timezone.localdate().isoformat(), "items": ["CT-EQ-CAL"], "kind": "test_report", "title": "状态检测报告"}
    big = SimpleUploadedFile("../../etc/报告.pdf", b"%PDF" + b"x" * 2000, content_type="application/pdf")
    r = client.post(url, {**base, "file": big})
    assert r.status_code == 200 and "上限" in _text(r) and not Document.objects.exists()
    small = SimpleUploadedFile("../../etc/报告.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    r = client.post(url, {**base, "file": small})
    assert r.status_code == 302, _text(r)
    doc = Document.objects.get()
    assert doc.file.name.startswith("evidence/") and "报告" not in doc.file.name and ".." not in doc.file.name
    assert (tmp_path / doc.file.name).is_file() and doc.size_bytes == len(b"%PDF-1.4 small")


def test_assessment_workflow_create_submit_review_decide(client, world):
    from huren.assessment.models import Assessment, Decision, ItemReview

    dev = world.ct_a
    _login(client, world.users["tech_a"])
    r = client.post(reverse("web:assessment_create", args=[dev.pk]), {"note": ""}, follow=True)
    assert not Assessment.objects.exists() and "医院管理员" in _text(r)  # a technologist may not start one
    client.logout()

    _login(client, world.users["manager_a"])
    r = client.post(reverse("web:assessment_create", args=[dev.pk]), {"note": "年度评估"})
    a = Assessment.objects.get()
    assert r.status_code == 302 and a.state == "draft"
    r = client.get(reverse("web:assessment", args=[a.pk]))
    assert "提交质控中心" in _text(r)
    client.post(reverse("web:assessment_submit", args=[a.pk]))
    a.refresh_from_db()
    assert a.state == "submitted"
    client.logout()

    _login(client, world.users["evaluator"])
    html = _text(client.get(reverse("web:assessment", args=[a.pk])))
    item = "CT-EQ-ENV-T"
    assert "作出评估结论" in html and f'name="verdict-{item}"' in html
    sheet = {f"verdict-{e['item']}": e["verdict"] for e in a.snapshot}
    r = client.post(reverse("web:assessment_review", args=[a.pk]), sheet | {f"verdict-{item}": "pass"})
    assert r.status_code == 400 and "改判须写明理由" in _text(r) and not ItemReview.objects.exists()
    r = client.post(reverse("web:assessment_review", args=[a.pk]),
                    sheet | {f"verdict-{item}": "pass", f"reason-{item}": "现场核查温度记录齐全", "accept_rest": "on"})
    assert r.status_code == 302
    reviews = ItemReview.objects.filter(assessment=a)
    assert reviews.count() == len(a.snapshot)  # every other item accepted once, the override kept
    assert reviews.get(item=item).reason == "现场核查温度记录齐全" and reviews.get(item=item).verdict == "pass"
    assert all(r.verdict == r.derived_verdict for r in reviews.exclude(item=item))
    r = client.post(reverse("web:assessment_decide", args=[a.pk]),
                    {"outcome": "qualified", "valid_until": (timezone.localdate() + dt.timedelta(days=365)).isoformat()})
    assert r.status_code == 400 and "不能判定合格" in _text(r) and not Decision.objects.exists()
    r = client.post(reverse("web:assessment_decide", args=[a.pk]), {"outcome": "not_qualified", "comment": "多项证据缺失"})
    assert r.status_code == 200 and "确认评估结论" in _text(r) and not Decision.objects.exists()  # the summary to confirm
    r = client.post(reverse("web:assessment_decide", args=[a.pk]), {"outcome": "not_qualified", "comment": "多项证据缺失",
                                                                    "confirmed": "yes"})
    assert r.status_code == 302
    assert Decision.objects.get().outcome == "not_qualified"
    html = _text(client.get(reverse("web:assessment", args=[a.pk])))
    assert "不合格" in html and "作出评估结论" not in html


def test_hospital_user_cannot_open_another_hospitals_assessment(client, world):
    from huren.assessment import workflow

    a = workflow.create(world.ct_b, world.users["qc_admin"])
    _login(client, world.users["tech_a"])
    assert client.get(reverse("web:assessment", args=[a.pk])).status_code == 404
    assert client.post(reverse("web:assessment_submit", args=[a.pk])).status_code == 404


def test_chinese_is_the_default_even_for_an_english_browser(client, db):
    r = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in _text(r) and "登录" in _text(r)


def test_not_found_page_is_in_chinese(client, world):
    _login(client, world.users["tech_a"])
    r = client.get(reverse("web:device", args=[world.ct_b.pk]))
    assert r.status_code == 404 and "页面不存在" in _text(r)
    r = client.get(reverse("web:qc_overview"))
    assert r.status_code == 403 and "无权访问" in _text(r)


def test_overview_rows_are_reused_until_the_institution_records_something(client, world, django_assert_max_num_queries):
    from django.core.cache import cache

    from huren.web.overview import device_rows

    cache.clear()
    _login(client, world.users["evaluator"])
    client.get(reverse("web:qc_overview"))
    with django_assert_max_num_queries(12):  # warm: no verdict is recomputed
        html = _text(client.get(reverse("web:qc_overview")))
    assert "CT-a" in html
    before = {r.device.pk: r.counts["fail"] for r in device_rows([world.ct_a, world.ct_b])}
    client.logout()
    _login(client, world.users["tech_a"])
    client.post(reverse("web:record_log", args=[world.ct_a.pk]),
                {"performed_on": timezone.localdate().isoformat(), "temperature_c": "35"})
    after = {r.device.pk: r.counts["fail"] for r in device_rows([world.ct_a, world.ct_b])}
    assert after[world.ct_a.pk] == before[world.ct_a.pk] + 1  # hospital A's change is seen at once
    assert after[world.ct_b.pk] == before[world.ct_b.pk]


def test_a_wrong_log_entry_is_corrected_and_the_original_kept(client, world):
    _login(client, world.users["tech_a"])
    today = timezone.localdate().isoformat()
    client.post(reverse("web:record_log", args=[world.ct_a.pk]), {"performed_on": today, "temperature_c": "35"})
    wrong = DailyLog.objects.get()
    dev = reverse("web:device", args=[world.ct_a.pk])
    assert 'data-verdict="fail"' in _row(_text(client.get(dev)), "CT-EQ-ENV-T")
    # The same day again is refused: the API asks for a correction instead.
    r = client.post(reverse("web:record_log", args=[world.ct_a.pk]), {"performed_on": today, "temperature_c": "21"})
    assert r.status_code == 200 and "更正" in _text(r)
    url = reverse("web:record_log", args=[world.ct_a.pk]) + f"?supersedes={wrong.pk}"
    assert url in _text(client.get(dev))
    form = _text(client.get(url))
    assert 'value="35.0"' in form and f'name="supersedes" value="{wrong.pk}"' in form
    r = client.post(url, {"performed_on": today, "temperature_c": "21", "supersedes": wrong.pk})
    assert r.status_code == 302, _text(r)
    fixed = DailyLog.objects.exclude(pk=wrong.pk).get()
    assert fixed.supersedes == wrong and fixed.temperature_c == 21
    html = _text(client.get(dev))
    assert 'data-verdict="fail"' not in _row(html, "CT-EQ-ENV-T")
    assert "已被更正" in html and url not in html  # the original stays, but cannot be corrected twice


def test_a_correction_of_another_hospitals_record_is_not_found(client, world):
    DailyLog.objects.create(department=world.ct_b.department, device=world.ct_b, recorded_by=world.users["tech_b"],
                            performed_on=timezone.localdate(), temperature_c=22)
    other = DailyLog.objects.get()
    _login(client, world.users["tech_a"])
    r = client.get(reverse("web:record_log", args=[world.ct_a.pk]) + f"?supersedes={other.pk}")
    assert r.status_code == 404
    r = client.post(reverse("web:record_log", args=[world.ct_a.pk]),
                    {"performed_on": timezone.localdate().isoformat(), "temperature_c": "21", "supersedes": other.pk})
    assert r.status_code == 200 and DailyLog.objects.count() == 1


def test_an_mr_device_gets_the_mr_log_fields(client, world):
    from huren.registry.models import Device

    mr = Device.objects.create(department=world.ct_a.department, name="MR-a", modality="MR", manufacturer="GE",
                               model_name="Signa HDxt", serial_number="MR-1", field_strength_t=1.5)
    _login(client, world.users["tech_a"])
    html = _text(client.get(reverse("web:record_log", args=[mr.pk])))
    assert "液氦液面" in html and "压缩机" in html and "球管预热" not in html
    r = client.post(reverse("web:record_log", args=[mr.pk]),
                    {"performed_on": timezone.localdate().isoformat(), "helium_level_percent": "45", "compressor_running": "true"})
    assert r.status_code == 302
    row = _row(_text(client.get(reverse("web:device", args=[mr.pk]))), "MR-EQ-HE-LEVEL")
    assert "45" in row


def test_a_locked_out_user_is_told_why_in_chinese(client, world, settings):
    settings.HUREN_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        r = client.post(reverse("login"), {"username": "tech_a", "password": "wrong"})
        assert "请输入" in _text(r)  # Django's own "enter a correct user name and password", in Chinese
    r = client.post(reverse("login"), {"username": "tech_a", "password": "test-pass-123"})
    assert r.status_code == 200 and "登录失败次数过多" in _text(r) and "too many" not in _text(r)


def test_device_page_in_english_has_no_chinese_interface_text(client, world):
    _login(client, world.users["tech_a"])
    client.post(reverse("set_language"), {"language": "en"})
    html = _text(client.get(reverse("web:device", args=[world.ct_a.pk])))
    assert "Catalog items" in html and "missing evidence" in html and "Room temperature" in html
    # Chinese left on the page is data (names of the institution, department, rooms), not interface text
    chrome = re.sub(r"甲医院|放射科|CT 检查间|简体中文", "", re.sub(r"<option.*?</option>", "", html, flags=re.S))
    assert CJK.findall(chrome) == []
