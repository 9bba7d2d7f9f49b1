"""The recognition question's hot path (:mod:`huren.site.hot_sql`): the one read of a study
and everything its answer needs equals what the ORM reads, row for row and field for field,
with the joined rows that are absent; the query log's prepared INSERT writes what ``save()``
writes; the real image-quality results decide the items; on PostgreSQL the reads are
prepared once per connection (and are not when a site turns it off)."""

from __future__ import annotations

import pytest
from tests.recognition.conftest import days_ago, decide, make_study, measure
from django.db import connection
from django.utils import timezone

from huren.recognition import services as R
from huren.recognition.models import RecognitionQuery, StateSpan


def _values(obj) -> dict | None:
    if obj is None:
        return None
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _cached(obj, name: str):
    """A relation read with ``obj`` (raises if it was not: reading it would be a query)."""
    assert name in obj._state.fields_cache, f"{type(obj).__name__}.{name} was not read with it"
    return obj._state.fields_cache[name]


@pytest.fixture
def studies(world):
    a = world.a
    measure(a.ct, a.tech, days_ago(60), 1.0)
    measure(a.ct, a.tech, days_ago(20), 9.0)  # fails: suspended from then on, a second span
    decide(a.ct, a.manager, world.evaluator, days_ago(59), "qualified")
    out = {
        "recent": make_study(a.ct, days_ago(3), uid="1.2.9.1", accession="X1", body_part="HEAD"),
        "suspended": make_study(a.ct, days_ago(10), uid="1.2.9.2", accession="X2", body_part="CHEST"),
        "qualified": make_study(a.ct, days_ago(30), uid="1.2.9.8", accession="X8", body_part="HEAD"),
        "before history": make_study(a.ct, days_ago(400), uid="1.2.9.3", accession="X3"),
        "no device": make_study(None, days_ago(3), uid="1.2.9.4", accession="X4"),
        "no date": make_study(a.ct, days_ago(3), uid="1.2.9.5", accession="X5"),
        "never assessed": make_study(world.b.ct, days_ago(3), uid="1.2.9.6", accession="X6"),
    }
    type(out["no date"]).objects.filter(pk=out["no date"].pk).update(study_date=None)
    for uid in ("1.2.9.1", "1.2.9.6"):  # both histories built, the verification code made
        R.recognise_study(study_instance_uid=uid)
    return out


def test_the_one_read_equals_what_the_orm_reads(world, studies, django_assert_num_queries):
    from huren.imagequality.services import latest_evaluation
    from huren.studies.models import Study

    spans_seen = set()
    for name, made in studies.items():
        for how in ({"study_instance_uid": made.study_instance_uid}, {"accession_number": made.accession_number}):
            st = R.find_study(**how)
            orm = Study.objects.get(pk=made.pk)
            assert _values(st) == _values(orm), name
            dev = _cached(st, "device") if orm.device_id else None
            assert _values(dev) == _values(orm.device), name
            if dev is None:
                assert st.day_span is None
                continue
            dept = _cached(dev, "department")
            assert _values(dept) == _values(orm.device.department)
            assert _values(_cached(dept, "institution")) == _values(orm.device.department.institution)
            hz = _cached(dev, "state_horizon")
            assert _values(hz) == _values(type(hz).objects.filter(device=dev).first() if hz else None)
            span = None
            if orm.study_date:
                span = StateSpan.objects.filter(device=dev, start__lte=orm.study_date, end__gte=orm.study_date).first()
            assert _values(st.day_span) == _values(span), name
            if span is not None:
                spans_seen.add(span.state)
                if span.decision_id:
                    dec = _cached(st.day_span, "decision")
                    assert _values(dec) == _values(span.decision)
                    ver = _cached(dec, "verification")
                    assert _values(ver) == _values(getattr(span.decision, "verification", None))
            ev = latest_evaluation(orm)
            assert (st.latest_iq_id, st.latest_iq_failed) == ((ev.pk, ev.checks_failed) if ev else (None, None))
            with django_assert_num_queries(0, info=name):  # the answer reads nothing more
                R.answer_for(dev, orm.study_date, study=st, span=st.day_span) if orm.study_date else None
    assert {"qualified", "suspended"} <= spans_seen, spans_seen
    assert R.find_study(study_instance_uid="1.2.9.99") is None and R.find_study(accession_number="nope") is None


def test_answers_from_the_one_read_equal_the_answers_read_by_the_orm(world, studies):
    """The answer given from the joined read equals the answer from a study read by the ORM
    (its span then read by :func:`huren.recognition.history.span_on`), for every study."""
    from huren.studies.models import Study

    for name, made in studies.items():
        fast = R.recognise_study(accession_number=made.accession_number).to_dict()
        orm = Study.objects.select_related("device__department__institution").get(pk=made.pk)
        slow = (R.answer_for(orm.device, orm.study_date, study=orm).to_dict() if orm.study_date
                else R.recognise_study(study_instance_uid=made.study_instance_uid).to_dict())
        assert fast == slow, name
    ans = R.recognise_study(accession_number="X2")
    assert not ans.recognised and ans.status == "suspended"
    assert R.recognise_study(accession_number="X1").recognised is False  # still suspended 3 days ago
    assert R.recognise_study(accession_number="X6").status == "never_assessed"
    assert R.recognise_study(accession_number="X8").recognised  # in the qualified span


def test_a_stale_history_is_rebuilt_and_the_span_read_again(world, studies):
    """A passing re-test entered after the read: the horizon the read brought is stale, the
    history is rebuilt, and the answer is the new state, not the span read with the study."""
    a = world.a
    st = R.find_study(accession_number="X1")
    assert st.day_span.state == "suspended"
    measure(a.ct, a.tech, days_ago(5), 1.0)  # a passing re-test before the study: recognised again
    fresh = R.find_study(accession_number="X1")
    assert fresh.device.state_horizon.dirty_from is not None
    ans = R.answer_for(fresh.device, fresh.study_date, study=fresh, span=fresh.day_span)
    assert ans.status == "qualified" and ans.recognised, ans.reasons


def test_the_log_append_writes_what_save_writes(world, studies):
    from huren.site.hot_sql import Append

    ans = R.recognise_study(accession_number="X2")
    kw = dict(asked_by=world.a.tech, institution=world.a.institution, kind="accession", study_date=ans.study_date,
              identity={"accession_number": "X2", "中文": "是"}, accession_number="X2", device=ans.device,
              decision=ans.decision, recognised=False, items=[i.to_dict() for i in ans.items],
              reason_zh=ans.reason_zh, reason_en=ans.reason_en)
    before = timezone.now()
    fast = Append(RecognitionQuery).save(RecognitionQuery(**kw))
    slow = RecognitionQuery(**kw)
    slow.save()
    assert fast.pk and not fast._state.adding
    a, b = (_values(RecognitionQuery.objects.get(pk=x.pk)) for x in (fast, slow))
    assert before <= a.pop("asked_at") <= b.pop("asked_at") <= timezone.now()
    assert a.pop("id") != b.pop("id")
    assert a == b and a["items"] and a["identity"]["中文"] == "是"


def test_real_image_quality_results_decide_the_items(world, studies):
    """The image-quality app's results are asked by recognition (not only a test provider):
    a study whose latest evaluation failed a check is not recognised for its items, naming
    the check; a newer passing evaluation recognises it again; one not done is not counted."""
    from huren.imagequality.models import CheckResult, Evaluation

    a = world.a
    measure(a.ct, a.tech, days_ago(2), 1.0)
    st = make_study(a.ct, days_ago(1), uid="1.2.9.7", accession="X7", body_part="HEAD")
    assert R.recognise_study(accession_number="X7").recognised
    now = timezone.now()
    ev = Evaluation.objects.create(study=st, status="done", outcome="fail", queued_at=now, checks_failed=1)
    CheckResult.objects.create(evaluation=ev, check_name="matrix", result="fail", item="CT-IQ-MATRIX",
                               reason_zh="矩阵 256 小于 512", reason_en="matrix 256 below 512")
    CheckResult.objects.create(evaluation=ev, check_name="coverage", result="pass")
    ans = R.recognise_study(accession_number="X7")
    assert not ans.recognised
    said = " ".join(e for i in ans.items for _, e in i.reasons)
    assert "image-quality check failed" in said and "matrix 256 below 512" in said and "CT-IQ-MATRIX" in said
    Evaluation.objects.create(study=st, status="running", queued_at=now)  # not done: the failed one still counts
    assert not R.recognise_study(accession_number="X7").recognised
    Evaluation.objects.create(study=st, status="done", outcome="pass", queued_at=now, checks_passed=5)
    assert R.recognise_study(accession_number="X7").recognised


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_the_hot_reads_are_prepared_once_per_connection(world, studies, settings):
    def prepared() -> list[str]:
        with connection.cursor() as c:
            c.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
            return [r[0] for r in c.fetchall()]

    R.find_study(study_instance_uid="1.2.9.1")
    R.find_study(study_instance_uid="1.2.9.2")
    mine = [s for s in prepared() if "study_instance_uid\" = $1" in s]
    assert len(mine) == 1, mine  # one statement, whatever the UID asked
    settings.HUREN_DB_PREPARE = False
    n = len(prepared())
    assert R.find_study(accession_number="X1") is not None  # another statement, sent unprepared
    assert len(prepared()) == n


def _token_client(user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_token_authentication_through_the_one_read(world, studies, django_assert_num_queries):
    """The token read gives the user with its profile (the scope needs no further query); an
    unknown token and an inactive user are refused in both languages; a user without a
    profile is still let in (and logged without an institution)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from huren.api.auth import TokenAuthentication

    c = _token_client(world.a.tech)
    key = c.defaults["HTTP_AUTHORIZATION"].split()[1]
    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate_credentials(key)
        assert user == world.a.tech and token.key == key and user.profile.institution_id == world.a.institution.pk
    assert c.get("/api/recognition/", {"accession_number": "X1"}).status_code == 200

    r = Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/recognition/", {"accession_number": "X1"})
    # 403, not 401: DRF answers for the first scheme (the session), which sends no challenge
    assert r.status_code == 403 and "令牌无效" in r.content.decode() and "invalid token" in r.content.decode()
    world.a.doctor.is_active = False
    world.a.doctor.save()
    r = _token_client(world.a.doctor).get("/api/recognition/", {"accession_number": "X1"})
    assert r.status_code == 403 and "用户已停用" in r.content.decode() and "user inactive" in r.content.decode()

    bare = get_user_model().objects.create_user("noprofile", password="x", is_superuser=True)
    r = _token_client(bare).get("/api/recognition/", {"accession_number": "X1"})
    assert r.status_code == 200, r.content
    q = RecognitionQuery.objects.filter(asked_by=bare).get()
    assert q.institution_id is None and q.accession_number == "X1"


@pytest.mark.parametrize("params, answered", [
    ({"accession_number": "  X1  "}, "X1"),             # trimmed, as the serializer trims
    ({"study_instance_uid": "1.2.9.2", "accession_number": "X1"}, "X2"),  # the UID wins
    ({"accession_number": ["X2", "X1"]}, "X1"),        # the last of a repeated parameter
    ({"accession_number": ""}, None),                   # blank: the serializer's bilingual refusal
    ({"accession_number": "   "}, None),
    ({"accession_number": "X" * 201}, None),            # longer than the serializer allows
    ({"accession_number": "X1\x00"}, None),             # a NUL character (PostgreSQL cannot store one)
    ({"accession_number\x00": "X1"}, None),             # in a parameter's name: not a study question
    ({"study_date": "2025-01-01\x00", "device": "1"}, None),
])
def test_a_question_by_study_alone_is_read_as_the_serializer_reads_it(world, studies, params, answered):
    """The common question (Study UID / accession only) skips building the input serializer;
    what it accepts, trims and refuses is what the serializer would: every refusal is a 400
    in both languages and is logged, a NUL character written out as ``\\x00``."""
    c = _token_client(world.a.tech)
    before = RecognitionQuery.objects.count()
    r = c.get("/api/recognition/", params)
    assert RecognitionQuery.objects.count() == before + 1  # answered or refused, the question is kept
    if answered is None:
        assert r.status_code == 400, r.content
        text = r.content.decode()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text) and " / " in text, text
        logged = RecognitionQuery.objects.first()
        assert logged.error
        sent = " ".join(f"{k} {v}" for k, v in params.items())
        kept = " ".join(f"{k} {v}" for k, v in logged.identity.items())
        assert "\x00" not in kept and ("\x00" in sent) == ("\\x00" in kept), kept
    else:
        assert r.status_code == 200, r.content
        assert r.json()["study"]["accession_number"] == answered
