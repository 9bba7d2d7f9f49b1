"""People: a user changes their own password from the header; the demo logins appear on the
login page of a demo installation only; an expected 403 is logged as one line."""

from __future__ import annotations

import logging

import pytest
from tests.web.conftest import PASSWORD
from django.contrib.auth import get_user_model


def test_header_links_to_the_password_change_which_works(client, world):
    client.force_login(world.users["tech_a"])
    page = client.get("/").content.decode()
    assert 'href="/password/"' in page
    r = client.get("/password/")
    assert r.status_code == 200 and "修改密码" in r.content.decode()
    r = client.post("/password/", {"old_password": "wrong", "new_password1": "Ab9-new-pass-77",
                                                   "new_password2": "Ab9-new-pass-77"})
    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    r = client.post("/password/", {"old_password": PASSWORD, "new_password1": "Ab9-new-pass-77",
                                                   "new_password2": "Ab9-new-pass-77"}, follow=True)
    assert r.status_code == 200
    assert get_user_model().objects.get(username="tech_a").check_password("Ab9-new-pass-77")


@pytest.mark.parametrize("demo", [True, False])
def test_demo_logins_only_on_a_demo_installation(client, settings, demo, db, fast_passwords):
    from django.core.management import call_command

    call_command("huren_demo")
    settings.HUREN_DEMO = demo
    page = client.get("/accounts/login/").content.decode()
    assert ("huren-demo" in page and "qcadmin" in page) is demo


def test_demo_logins_hidden_once_the_passwords_are_changed(client, settings, db, fast_passwords):
    from django.core.management import call_command

    call_command("huren_demo")
    settings.HUREN_DEMO = True
    u = get_user_model().objects.get(username="qcadmin")
    u.set_password("another-Pass-9")
    u.save()
    assert "huren-demo" not in client.get("/accounts/login/").content.decode()


def test_an_expected_403_is_one_log_line(client, world, caplog):
    client.force_login(world.users["tech_a"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        r = client.get("/qc/")
    assert r.status_code == 403
    recs = [rec for rec in caplog.records if rec.name == "django.request"]
    assert len(recs) == 1 and "Forbidden" in recs[0].getMessage()
    assert recs[0].exc_info is None and not recs[0].exc_text


def test_the_centre_administrator_creates_institutions_and_users_with_roles(client, world):
    from django.test import Client

    from huren.accounts.roles import roles_of
    from huren.registry.models import Institution

    for who in ("tech_a", "manager_a", "evaluator"):
        client.force_login(world.users[who])
        assert client.get("/people/").status_code == 403
        assert 'href="/people/"' not in client.get("/assessments/").content.decode()
    client.force_login(world.users["qc_admin"])
    assert 'href="/people/"' in client.get("/assessments/").content.decode()
    r = client.post("/people/", {"form": "institution", "inst-name": "丙医院", "inst-kind": "hospital",
                                 "inst-parent": world.centre.pk})
    assert r.status_code == 302
    h = Institution.objects.get(name="丙医院")
    assert h.parent == world.centre
    r = client.post("/people/", {"form": "institution", "inst-name": "丙医院", "inst-kind": "hospital"})
    assert "同名机构已登记" in r.content.decode() and 'role="alert"' in r.content.decode()
    # a centre role at a hospital is refused, at the field, in both languages
    body = {"form": "user", "user-username": "c_tech", "user-display_name": "丙技师", "user-institution": h.pk,
            "user-role": "evaluator", "user-password": "Ab9-new-pass-77"}
    r = client.post("/people/", body)
    assert "质控中心角色只属于质控中心" in r.content.decode() and "a QC-centre role" in r.content.decode()
    r = client.post("/people/", body | {"user-role": "technologist"})
    assert r.status_code == 302
    u = get_user_model().objects.get(username="c_tech")
    assert roles_of(u) == {"technologist"} and u.profile.institution == h and u.profile.display_name == "丙技师"
    c = Client()
    assert c.login(username="c_tech", password="Ab9-new-pass-77")
