"""Find things: paginated lists, a filtered device history, search boxes."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from huren.assessment import workflow
from huren.evidence.models import DailyLog, Measurement


def test_device_history_filters_and_pages(client, world):
    tech = world.users["tech_a"]
    today = timezone.localdate()
    for i in range(60):
        DailyLog.objects.create(device=world.ct_a, recorded_by=tech, performed_on=today - dt.timedelta(days=i),
                                temperature_c=21.0)
    Measurement.objects.create(device=world.ct_a, recorded_by=tech, performed_on=today - dt.timedelta(days=3),
                               item="CT-QC-HU-WATER", metric="ct_number_water", value=1.5, unit="HU", test_type="status")
    client.force_login(tech)
    url = f"/devices/{world.ct_a.pk}/history/"
    assert url in client.get(f"/devices/{world.ct_a.pk}/").content.decode()
    page = client.get(url).content.decode()
    assert "1 / 2" in page and "61" in page
    assert "2 / 2" in client.get(url + "?page=2").content.decode()
    only = client.get(url + "?kind=measurement").content.decode()
    assert "1.5 HU" in only
    assert only.count("<tr") == 2  # header and the one measurement
    item = client.get(url + "?item=CT-QC-HU-WATER").content.decode()
    assert item.count("<tr") == 2
    since = (today - dt.timedelta(days=9)).isoformat()
    ranged = client.get(url + f"?kind=log&since={since}&until={today.isoformat()}").content.decode()
    assert ranged.count("<tr") == 11
    bad = client.get(url + "?since=yesterday")
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.content.decode()


def test_assessment_list_search_and_pages(client, world):
    m = world.users["manager_a"]
    for _ in range(3):
        workflow.create(world.ct_a, m)
    workflow.create(world.ct_b, world.users["qc_admin"])
    client.force_login(world.users["qc_admin"])
    rows = re.compile(r'href="/assessments/\d+/"')
    assert len(rows.findall(client.get("/assessments/?q=SN-b").content.decode())) == 1
    assert len(rows.findall(client.get("/assessments/?q=甲医院").content.decode())) == 3
    assert len(rows.findall(client.get("/assessments/").content.decode())) == 4


def test_daily_log_form_offers_only_the_devices_room(client, world):
    from huren.registry.models import Room

    other = Room.objects.create(department=world.ct_a.department, name="MR 磁体间", kind=Room.Kind.EXAM)
    client.force_login(world.users["tech_a"])
    page = client.get(f"/devices/{world.ct_a.pk}/log/").content.decode()
    assert world.ct_a.room.name in page and other.name not in page


def test_today_already_logged_links_to_its_correction_and_errors_show_on_top(client, world):
    tech = world.users["tech_a"]
    log = DailyLog.objects.create(device=world.ct_a, room=world.ct_a.room, recorded_by=tech,
                                  performed_on=timezone.localdate(), temperature_c=21.0)
    client.force_login(tech)
    url = f"/devices/{world.ct_a.pk}/log/"
    page = client.get(url).content.decode()
    assert f"{url}?supersedes={log.pk}" in page and "已有日常记录" in page
    r = client.post(url, {"room": world.ct_a.room.pk, "temperature_c": "22", "performed_on": str(timezone.localdate())})
    page = r.content.decode()
    assert r.status_code == 200 and 'role="alert"' in page and f"?supersedes={log.pk}" in page
    assert DailyLog.objects.count() == 1


def test_review_page_sums_up_before_deciding_and_ticks_the_failing_items_by_title(client, world):
    Measurement.objects.create(device=world.ct_a, recorded_by=world.users["tech_a"], performed_on=timezone.localdate(),
                               item="CT-QC-HU-WATER", metric="ct_number_water", value=30, unit="HU", test_type="status")
    a = workflow.create(world.ct_a, world.users["manager_a"])
    workflow.submit(a, world.users["manager_a"])
    client.force_login(world.users["evaluator"])
    page = client.get(f"/assessments/{a.pk}/").content.decode()
    final = workflow.final_verdicts(a)
    missing = sum(1 for e in final if e["verdict"] == "missing")
    # the summary before the decision, which is confirmed on a page of its own (tests/web/test_review_sheet.py)
    assert f"缺少证据 {missing}" in page and "已改判 0" in page and "核对后作出评估结论" in page
    failing = [e for e in final if e["verdict"] in ("fail", "overdue")]
    for e in final[:3]:
        assert f'value="{e["item"]}"' in page
    box = re.compile(r'<input type="checkbox" name="rectification_items" value="([^"]+)"[^>]*?(checked)?[^>]*>')
    ticked = {m.group(1) for m in box.finditer(page) if "checked" in m.group(0)}
    assert "CT-QC-HU-WATER" in ticked and f"不合格 {len([e for e in final if e['verdict'] == 'fail'])}" in page
    assert ticked == {e["item"] for e in failing}
    assert f'{final[0]["item"]} {final[0]["title_zh"]}' in page


def test_measurement_form_offers_the_items_metrics_and_asks_before_a_same_day_duplicate(client, world):
    client.force_login(world.users["tech_a"])
    url = f"/devices/{world.ct_a.pk}/measurement/"
    page = client.get(url + "?item=CT-QC-HU-WATER").content.decode()
    options = re.findall(r'<option value="([a-z0-9_]+)"', page.split('name="metric"')[1].split("</select>")[0])
    from huren.standard import load_catalog

    assert options == list(load_catalog()["CT-QC-HU-WATER"].metrics)
    assert "data-metrics" in page and "measure.js" in page
    body = {"item": "CT-QC-HU-WATER", "metric": "ct_number_water", "value": "1.5", "unit": "HU",
            "test_type": "status", "performed_on": str(timezone.localdate())}
    assert client.post(url, body).status_code == 302
    r = client.post(url, body | {"value": "2.0"})
    assert r.status_code == 200 and "当日已录入该指标" in r.content.decode() and "already recorded that day" in r.content.decode()
    assert Measurement.objects.filter(device=world.ct_a).count() == 1
    assert client.post(url, body | {"value": "2.0", "confirm_duplicate": "on"}).status_code == 302
    assert Measurement.objects.filter(device=world.ct_a).count() == 2


def _device_links(page: str) -> set[int]:
    return {int(n) for n in re.findall(r'<a href="/devices/(\d+)/">', page.split('class="devices"')[1].split("</table>")[0])}


def test_hospital_dashboard_finds_its_devices_by_serial_model_and_room_but_not_another_hospitals(client, world):
    from huren.registry.models import Device, Room

    mr_room = Room.objects.create(department=world.ct_a.department, name="磁体间", kind=Room.Kind.EXAM)
    mr = Device.objects.create(department=world.ct_a.department, room=mr_room, name="MR-a", modality="MR",
                               manufacturer="GE", model_name="Signa HDxt", serial_number="GE-77", field_strength_t=1.5)
    client.force_login(world.users["tech_a"])
    page = client.get("/").content.decode()
    assert 'type="search" name="q"' in page and _device_links(page) == {world.ct_a.pk, mr.pk}
    assert _device_links(client.get("/?q=SN-a").content.decode()) == {world.ct_a.pk}   # the nameplate serial
    assert _device_links(client.get("/?q=60005").content.decode()) == {world.ct_a.pk}  # the header's serial
    assert _device_links(client.get("/?q=signa").content.decode()) == {mr.pk}          # the model, any case
    assert _device_links(client.get("/?q=磁体").content.decode()) == {mr.pk}           # the room
    # hospital B's CT is not found, not even by its own serial number
    page = client.get("/?q=SN-b").content.decode()
    assert _device_links(page) == set() and "CT-b" not in page
    # the dashboard's counts stay those of every device
    assert '<div class="stat">2</div>' in page


def test_qc_overview_finds_devices_by_serial_and_room_in_its_scope(client, world):
    from huren.registry.models import Device, Institution

    other_centre = Institution.objects.create(name="另一质控中心", kind=Institution.Kind.QC_CENTRE)
    far = Institution.objects.create(name="外市医院", kind=Institution.Kind.HOSPITAL, parent=other_centre)
    from huren.registry.models import Department

    Device.objects.create(department=Department.objects.create(institution=far, name="放射科"), name="CT-far",
                          modality="CT", serial_number="SN-a-far")
    client.force_login(world.users["qc_admin"])
    page = client.get("/qc/?q=SN-b").content.decode()
    assert 'type="search" name="q"' in page and _device_links(page) == {world.ct_b.pk}
    assert _device_links(client.get("/qc/?q=SN-a").content.decode()) == {world.ct_a.pk}  # not the other centre's
    assert _device_links(client.get("/qc/?q=CT 检查间").content.decode()) == {world.ct_a.pk, world.ct_b.pk}
    assert _device_links(client.get("/qc/?q=nothing-like-this").content.decode()) == set()


def test_series_and_assessment_lists_have_a_search_box(client, world):
    client.force_login(world.users["qc_admin"])
    for url in ("/dicom/", "/assessments/"):
        assert 'type="search" name="q"' in client.get(url).content.decode(), url
