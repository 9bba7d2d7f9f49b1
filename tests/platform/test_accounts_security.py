"""Audit log with old and new values, login throttling, password hashing."""

from __future__ import annotations

import pytest
from tests.support import client_for
from django.contrib.auth import authenticate
from django.test import RequestFactory
from rest_framework.test import APIClient

from huren.accounts.models import AuditEntry, LoginFailure


def test_api_change_is_audited_with_old_and_new_values(world):
    c = client_for(world.a.manager)
    r = c.patch(f"/api/devices/{world.a.ct.pk}/", {"name": "CT-新名称", "station_name": "NEWSTATION"}, format="json",
                REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 200, r.content
    e = AuditEntry.objects.filter(model="registry.device", object_id=str(world.a.ct.pk), action="update").latest("id")
    assert e.username == "a_manager" and e.user == world.a.manager and e.ip == "10.1.2.3"
    assert e.changes["name"] == ["CT-a", "CT-新名称"]
    assert e.changes["station_name"] == ["CTSTATION1", "NEWSTATION"]
    assert "manufacturer" not in e.changes
    assert e.institution_id == world.a.institution.pk


def test_creation_and_deletion_are_audited_and_entries_are_immutable(world):
    c = client_for(world.a.manager)
    r = c.post("/api/rooms/", {"department": world.a.department.pk, "name": "控制室", "kind": "control"}, format="json")
    assert r.status_code == 201
    created = AuditEntry.objects.get(model="registry.room", object_id=str(r.json()["id"]), action="create")
    assert created.changes["name"] == [None, "控制室"] and created.username == "a_manager"
    assert c.delete(f"/api/rooms/{r.json()['id']}/").status_code == 204
    deleted = AuditEntry.objects.get(model="registry.room", object_id=str(r.json()["id"]), action="delete")
    assert deleted.changes["name"] == ["控制室", None]
    with pytest.raises(PermissionError):
        deleted.note = "x"
        deleted.save()
    with pytest.raises(PermissionError):
        deleted.delete()


def test_password_change_is_audited_without_the_hash(world):
    u = world.a.tech
    u.set_password("another-secret-1")
    u.save()
    e = AuditEntry.objects.filter(model="auth.user", object_id=str(u.pk), action="update").latest("id")
    old, new = e.changes["password"]
    assert old.startswith("***") and new.startswith("***") and old != new
    assert "another-secret" not in str(e.changes) and u.password not in str(e.changes)


def test_user_changes_are_audited_under_the_users_institution(world):
    u = world.a.tech
    u.first_name = "新名字"
    u.save()
    e = AuditEntry.objects.filter(model="auth.user", object_id=str(u.pk), action="update").latest("id")
    assert e.institution_id == world.a.institution.pk and e.changes["first_name"] == ["", "新名字"]


def test_hospital_user_sees_only_own_audit_entries(world):
    seen = {row["institution"] for row in client_for(world.a.manager).get("/api/audit/").json()["results"]}
    assert seen == {world.a.institution.pk}


@pytest.fixture
def throttle(settings):
    settings.HUREN_LOGIN_MAX_FAILURES = 3
    settings.HUREN_LOGIN_LOCK_SECONDS = 600


def _login(username, password, ip="10.0.0.1"):
    req = RequestFactory().post("/login/", REMOTE_ADDR=ip)
    return authenticate(req, username=username, password=password)


def test_login_is_locked_after_repeated_failures_per_user_and_address(world, throttle):
    assert _login("a_tech", "pw-a_tech") is not None
    for _ in range(3):
        assert _login("a_tech", "wrong") is None
    assert _login("a_tech", "pw-a_tech") is None  # locked, even with the right password
    assert _login("a_tech", "pw-a_tech", ip="10.0.0.2") is not None  # another address is not locked
    assert _login("b_tech", "pw-b_tech") is not None  # another user is not locked
    # refused attempts while locked do not extend the lock
    assert LoginFailure.objects.filter(username="a_tech", ip="10.0.0.1").count() == 3


def test_lock_expires_and_success_clears_failures(world, throttle):
    import datetime as dt

    from django.utils import timezone

    for _ in range(3):
        _login("a_tech", "wrong")
    assert _login("a_tech", "pw-a_tech") is None
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(seconds=601))
    assert _login("a_tech", "pw-a_tech") is not None
    assert not LoginFailure.objects.filter(username="a_tech").exists()


def test_login_form_and_api_token_are_throttled(world, throttle):
    from django.contrib.auth.forms import AuthenticationForm

    def form_login(password, ip="10.0.0.9"):
        req = RequestFactory().post("/login/", REMOTE_ADDR=ip)
        return AuthenticationForm(req, data={"username": "a_manager", "password": password}).is_valid()

    for _ in range(3):
        assert not form_login("nope")
    assert not form_login("pw-a_manager")
    api = APIClient(REMOTE_ADDR="10.0.0.9")
    r = api.post("/api/token/", {"username": "a_manager", "password": "pw-a_manager"}, format="json")
    assert r.status_code == 400 and "锁定" in r.json()["non_field_errors"][0]
    r = APIClient(REMOTE_ADDR="10.0.0.10").post("/api/token/", {"username": "a_manager", "password": "pw-a_manager"},
                                                format="json")
    assert r.status_code == 200 and r.json()["token"]


def test_project_uses_djangos_default_password_hashers():
    import huren.site.settings as project

    assert not hasattr(project, "PASSWORD_HASHERS")  # Django's defaults: PBKDF2 first
    assert project.AUTHENTICATION_BACKENDS == ["huren.accounts.throttle.ThrottledModelBackend"]
    from django.conf import global_settings

    assert global_settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")


def test_roles_limit_writes_technologist_records_evidence_not_registry(world):
    tech = client_for(world.a.tech)
    r = tech.post("/api/rooms/", {"department": world.a.department.pk, "name": "候诊区", "kind": "waiting"}, format="json")
    assert r.status_code == 403
    assert tech.patch(f"/api/devices/{world.a.ct.pk}/", {"name": "x"}, format="json").status_code == 403
    r = tech.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "2024-05-02", "temperature_c": 21}, format="json")
    assert r.status_code == 201
    assert "CT-EQ-ENV-T" in r.json()["items"]
    mgr = client_for(world.a.manager)
    assert mgr.patch(f"/api/institutions/{world.a.institution.pk}/", {"name": "x"}, format="json").status_code == 403
    assert client_for(world.qc_admin).patch(f"/api/institutions/{world.a.institution.pk}/", {"level": "三级甲等"},
                                            format="json").status_code == 200


def test_role_groups_carry_admin_permissions_without_changing_evidence(db):
    from django.contrib.auth.models import Group

    from huren.accounts.roles import ensure_groups

    ensure_groups()
    ensure_groups()  # idempotent
    qc = set(Group.objects.get(name="qc_admin").permissions.values_list("codename", flat=True))
    assert {"change_device", "add_institution", "view_auditentry", "add_measurement"} <= qc
    assert not {c for c in qc if c.startswith(("change_", "delete_")) and c.split("_", 1)[1] in
                {"measurement", "dailylog", "checklistanswer", "document", "decision", "itemreview", "auditentry"}}
    assert not Group.objects.get(name="technologist").permissions.exists()


def test_old_failures_are_pruned(world, throttle):
    import datetime as dt

    from django.utils import timezone

    LoginFailure.objects.create(username="ghost", ip="1.1.1.1")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(days=2))
    _login("a_tech", "wrong")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["a_tech"]


def test_api_token_refusal_tells_a_wrong_password_from_a_locked_login(world, throttle):
    api = APIClient(REMOTE_ADDR="10.0.0.11")
    r = api.post("/api/token/", {"username": "a_manager", "password": "nope"}, format="json")
    first = r.json()["non_field_errors"][0]
    assert r.status_code == 400 and "用户名或密码错误" in first and "wrong user name or password" in first
    assert "锁定" not in first and "locked" not in first
    for _ in range(3):
        api.post("/api/token/", {"username": "a_manager", "password": "nope"}, format="json")
    r = api.post("/api/token/", {"username": "a_manager", "password": "pw-a_manager"}, format="json")
    locked = r.json()["non_field_errors"][0]
    assert r.status_code == 400 and "锁定" in locked and "locked" in locked and "wrong" not in locked
