"""No internal codes on screen (issue 12 item 6): every page reachable from the dashboard,
walked as each role (technologist, hospital manager, QC-centre administrator, evaluator,
receiving doctor) in Chinese and in English, over the demo data plus analysed phantom
series and image-quality results, shows none of these in its visible text:

- a bare metric key (``piu``, ``phantom_centre_px``) or analysis method code (``acr-psg``,
  ``ws519-central-roi``) or automatic image-quality check (``missing_slices``);
- a catalog reference word (``seed``, ``nominal``, ``baseline``) or an evidence-kind code
  (``log``, ``measure, image``) (Chinese pages: on an English page they are English words);
- the system recorder as "DICOM intake" on a Chinese page, or a user name where a display
  name belongs;
- a Django model label (``registry.device``, ``evidence | measurement``) — the admin's audit
  log is walked too, as the QC-centre administrator;
- a raw dict / JSON of a result (``{'schema': …``, ``{"roi": …``);
- an unrounded figure (more than three significant decimals: 67.492419, 0.9961).
"""

from __future__ import annotations

import html
import io
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils.translation import override as translation_override

from huren.standard import metrics

SRC = Path(__file__).resolve().parents[2] / "src" / "huren"
SKIP = ("/admin/", "/api/", "/i18n/", "/static/", "/accounts/logout", "/media/")
ENGLISH_WORDS = {"temperature", "humidity"}
# the admin pages walked too (the audit log, as the QC-centre administrator sees it)
ADMIN_AUDIT = "/admin/accounts/auditentry/"


def method_codes() -> set[str]:
    """Every analysis method code written by huren.analysis (``method="…"``, the signal transfer
    models and the dose-indicator kinds, which are methods too)."""
    out = set()
    for p in (SRC / "analysis").rglob("*.py"):
        out |= set(re.findall(r'method="([a-z0-9][a-z0-9_-]*)"', p.read_text("utf-8")))
    from huren.analysis.dr import stp

    return out | set(stp.MODELS) | {"exposure_index", "sensitivity", "pixel_mean"}


def _coded(words) -> str:
    return r"(?<![\w/-])(?<!\w\.)(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w/-])(?!\.\w)"


def code_patterns() -> re.Pattern:
    """Metric keys and method codes. A method code that is a plain English word ("edge",
    "bars", "header") is not looked for: English rule texts and DICOM descriptions use the
    word (that every code has a name is checked against the methods table instead)."""
    from huren.iq import CHECKS

    keys = {k for k in metrics() if k not in ENGLISH_WORDS} | {c for c in CHECKS if "_" in c}
    methods = {m for m in method_codes() if "-" in m or "_" in m or any(c.isdigit() for c in m) or m in ("acr", "ipem")}
    return re.compile(_coded(keys | methods))


def catalog_words() -> set[str]:
    """The catalog's reference words and evidence-kind codes (as raw values)."""
    from huren.standard.catalog import EVIDENCE_KINDS

    return {"seed", "nominal", "baseline"} | set(EVIDENCE_KINDS) | {"checklist", "expert_score"}


def model_labels() -> re.Pattern:
    from django.apps import apps

    labels = {m._meta.label_lower for m in apps.get_models()}
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))
                      + r")(?![\w.])" + r"|\b[a-z_]+ \| [a-z_ ]+\b")


RAW_DICT = re.compile(r"[{\[,]\s*['\"][\w .-]+['\"]\s*:")
# more than three decimals (57.0150, 67.492419); below 1, more than three significant ones (0.9961, not 0.0164)
LONG_FIGURE = re.compile(r"(?<![\w.])(?:[1-9]\d*\.\d{4,}|0\.0*[1-9]\d{3,})(?![\d.])")


class Finder:
    """The codes of one language's pages, by kind: ``find(text) -> [(kind, code)]``."""

    def __init__(self, lang: str, usernames: dict[str, str]):
        self.lang = lang
        self.codes = code_patterns()
        self.words = re.compile(_coded(catalog_words())) if lang == "zh" else None
        self.models = model_labels()
        # a user name is looked for only where it is not the person's display name too, and on
        # an English page not where it is an English word of the page ("QC-centre evaluator")
        logins = [u for u, name in usernames.items() if u != name]
        if lang != "zh":
            from django.utils.translation import override

            from huren.accounts.roles import ROLES

            with override("en"):
                words = {w.lower() for label in ROLES.values() for w in re.findall(r"\w+", str(label))}
            logins = [u for u in logins if u.lower() not in words]
        self.users = re.compile(_coded(logins)) if logins else None

        self.contexts: dict[tuple[str, str], str] = {}  # the first words around each code found

    def find(self, text: str, native: str | None = None) -> list[tuple[str, str]]:
        """The codes in ``text``; the English words that are codes only on a Chinese page are
        looked for in ``native`` (the text without the parts marked lang="en")."""
        native = text if native is None else native
        hits = [("code", m, 1) for m in self.codes.finditer(text)]
        if self.words:
            hits += [("catalog", m, 1) for m in self.words.finditer(native)]
        if self.lang == "zh":
            hits += [("recorder", m, 0) for m in re.finditer("DICOM intake", native)]
        if self.users:
            hits += [("username", m, 1) for m in self.users.finditer(text)]
        hits += [("model label", m, 0) for m in self.models.finditer(text)]
        hits += [("raw dict", m, 0) for m in RAW_DICT.finditer(text)]
        hits += [("figure", m, 0) for m in LONG_FIGURE.finditer(text)]
        out = []
        for kind, m, g in hits:
            key = (kind, m.group(g))
            self.contexts.setdefault(key, " ".join(m.string[max(0, m.start() - 60):m.end() + 60].split()))
            out.append(key)
        return out


def visible_text(page: str, english: bool = True) -> str:
    """The text a reader sees; without the parts marked lang="en" when ``english`` is False."""
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    if not english:
        page = re.sub(r'(?is)<(td|span|p|div|li)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", page)
    # a login name where it is asked for (the People page's "user name" column)
    page = re.sub(r'(?is)<(td|span)\b[^>]*class="[^"]*\blogin\b[^"]*"[^>]*>.*?</\1>', " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def links(page: str, allow: tuple[str, ...] = ()) -> set[str]:
    out = set()
    for href in re.findall(r'href="([^"#]+)', page):
        href = html.unescape(href)
        u = urlparse(href)
        if u.scheme or u.netloc or not href.startswith("/"):
            continue
        if href.startswith(SKIP) and not href.startswith(allow or ("//",)):
            continue
        out.add(href)
    return out


def shape(url: str) -> str:
    """A page's kind: its path with numbers as # and its query's names (?supersedes=7 → ?supersedes)."""
    u = urlparse(url)
    return re.sub(r"\d+", "#", u.path) + "?" + ",".join(sorted(q.split("=")[0] for q in u.query.split("&") if q))


def walk(client, finder: Finder | None = None, *, start=("/",), allow=(), limit: int = 400, per_shape: int = 3):
    """(pages walked, {(kind, code): [pages]}) from ``start``, GET only, same site; at most
    ``per_shape`` pages of one kind (three devices' pages, three corrections' forms)."""
    finder = finder or Finder("zh", {})
    seen, todo, found, shapes = set(), list(start), {}, {}
    while todo and len(seen) < limit:
        url = todo.pop(0)
        if url in seen or shapes.get(shape(url), 0) >= per_shape:
            continue
        seen.add(url)
        shapes[shape(url)] = shapes.get(shape(url), 0) + 1
        r = client.get(url)
        assert r.status_code < 500, url
        if r.status_code in (301, 302) and r["Location"].startswith("/"):
            todo.append(r["Location"])
        if r.status_code != 200 or "text/html" not in r.get("Content-Type", ""):
            continue
        page = r.content.decode()
        for hit in sorted(set(finder.find(visible_text(page), visible_text(page, english=False)))):
            found.setdefault(hit, []).append(url)  # one count per code and page
        todo += sorted(links(page, allow) - seen)
    return len(seen), found


# ------------------------------------------------------------------ the world walked


def _raw(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _phantom_series(files, device, **header):
    """Store a real phantom series as the node would, its header naming ``device`` (the
    register takes the header's maker, model and field strength, so nothing is held)."""
    import pydicom

    from huren.dicomnode.storage import store

    first = pydicom.dcmread(files[0], stop_before_pixels=True)
    device.manufacturer, device.model_name = str(first.Manufacturer), str(first.get("ManufacturerModelName", ""))
    if device.modality == "MR":
        device.field_strength_t = float(first.MagneticFieldStrength)
    device.save()
    for f in files:
        ds = pydicom.dcmread(f)
        ds.DeviceSerialNumber, ds.StationName = device.device_serial_number, device.station_name
        for k, v in header.items():
            setattr(ds, k, v)
        store(_raw(ds), source="c-store")


@pytest.fixture
def demo_world(db, settings, tmp_path, phantoms, django_capture_on_commit_callbacks):
    """The demo, a receiving doctor, analysed CT and MR phantom series (real files), an
    evaluated clinical CT study, a drawn image-quality sample and one expert score sheet."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone

    from huren.accounts.models import Profile
    from huren.accounts.roles import CLINICIAN
    from huren.imagequality.models import SampleStudy, SamplingRule
    from huren.imagequality.sampling import draw_sample
    from huren.registry.models import Device, Institution
    from huren.synth import clinical
    from tests.imagequality.iqs_helpers import IMMEDIATE, send

    import logging

    logging.getLogger("pydicom").setLevel(logging.ERROR)  # real vendor UIDs with leading zeros
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DICOM_ROOT = tmp_path / "dicom"
    call_command("huren_demo")
    hospital = Institution.objects.get(name="晋阳示范医院")
    doc = get_user_model().objects.create_user(username="a_doctor", password="x-pass-123", first_name="接诊医生")
    doc.groups.add(Group.objects.get(name=CLINICIAN))
    Profile.objects.create(user=doc, institution=hospital, display_name="晋阳示范医院 接诊医生")

    ct, mr = Device.objects.get(station_name="DEMOCT1"), Device.objects.get(station_name="DEMOMR1")
    with override_settings(TASKS=IMMEDIATE, HUREN_DICOM_SERIES_QUIET_SECONDS=0), \
            django_capture_on_commit_callbacks(execute=True):
        _phantom_series(sorted((phantoms / "ct" / "CTP404_FOV150").glob("*.dcm")), ct, PatientName="QC^Phantom")
        _phantom_series(sorted((phantoms / "mr" / "acr" / "GE").glob("*")), mr)
        send(clinical.ct_study(n_slices=12, seed=1), ct)
    # a submitted assessment of the MR with its analysed series: the evaluator's review sheet
    # and every row's evidence links (the series with its ROI pictures, the documents) are walked
    from huren.assessment import workflow

    manager = get_user_model().objects.get(username="a_manager")
    workflow.submit(workflow.create(mr, manager), manager)
    # a drawn sample of hospital A's CT studies, one of them scored by the evaluator
    rule = SamplingRule.objects.create(device=ct, per_period=1, period="quarter")
    draw_sample(rule, timezone.localdate(), seed=7)
    entry = SampleStudy.objects.filter(expert__isnull=False).first()
    if entry is not None:
        from huren.imagequality.scoring import criteria, submit

        submit(entry, entry.expert, {i.id: 2 for i in criteria("CT")}, 2, "示范评分")
    return dt


ROLES = ("technologist", "hospital_manager", "qc_admin", "evaluator", "clinician")


def _users_by_role():
    from django.contrib.auth import get_user_model

    out = {}
    for u in get_user_model().objects.filter(profile__isnull=False, is_active=True).order_by("id"):
        for g in u.groups.values_list("name", flat=True):
            out.setdefault(g, u)  # the first of each role (hospital A's for the hospital roles)
    return out


def _report(report) -> str:
    lines = []
    for key, (n, found) in report.items():
        codes = ", ".join(f"{k}:{c!r}×{len(v)} ({v[0]})" for (k, c), v in sorted(found.items()))
        lines.append(f"{key}: {n} pages walked, {sum(len(v) for v in found.values())} codes" + (f": {codes}" if codes else ""))
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.realdata
def test_every_page_as_each_role_shows_no_internal_code(demo_world, client, capsys):
    from django.contrib.auth import get_user_model

    from huren.dicomnode.models import AnalysisRun
    from huren.imagequality.models import Evaluation

    # the pages have content: analysed runs with figures, an evaluated study
    assert AnalysisRun.objects.filter(status="done", measurement_count__gt=0).count() >= 2
    assert Evaluation.objects.filter(status="done").exists()
    names = {u.username: (u.profile.display_name or u.get_full_name()) for u in get_user_model().objects.filter(profile__isnull=False)}
    users = _users_by_role()
    report, finders = {}, []
    for lang in ("zh", "en"):
        finder = Finder(lang, names)
        finders.append(finder)
        for role in ROLES:
            user = users[role]
            client.force_login(user)
            client.cookies["django_language"] = "en" if lang == "en" else "zh-hans"
            start, allow = ("/",), ()
            if role == "qc_admin":
                start, allow = ("/", ADMIN_AUDIT), (ADMIN_AUDIT,)
            report[f"{lang} {role} ({user.username})"] = walk(client, finder, start=start, allow=allow,
                                                              per_shape=3 if lang == "zh" else 1)
            client.logout()
    text = _report(report)
    if os.environ.get("HUREN_WALK_CONTEXT"):  # where each code stood, for the one fixing them
        Path(os.environ["HUREN_WALK_CONTEXT"]).write_text(
            "\n".join(f"{k}:{c!r}: {t}" for f in finders for (k, c), t in sorted(f.contexts.items())), "utf-8")
    with capsys.disabled():
        print("\n" + text)
    assert all(n > 5 for n, _ in report.values()), text
    assert sum(len(f) for _, f in report.values()) == 0, text


def test_every_method_code_and_image_quality_check_has_a_name_in_both_languages():
    from huren.iq import CHECKS
    from huren.iq.names import check_names
    from huren.standard.methods import method_label, method_names

    assert method_codes() - set(method_names()) == set()
    assert set(CHECKS) - set(check_names()) == set()
    for zh, en in list(method_names().values()) + [(n["zh"], n["en"]) for n in check_names().values()]:
        assert re.search(r"[\u4e00-\u9fff]", zh) or zh.isupper() or " " in zh, zh  # Chinese (or an acronym)
        assert en and not re.search(r"[\u4e00-\u9fff]", en), en
    assert method_label("acr-psg") == "ACR 伪影百分比信号（PSG）" and method_label("acr-psg", zh=False) == "ACR percent signal ghosting"
    assert method_label("typed by hand") == "typed by hand"  # a person's own words stay as written


def test_the_finder_finds_each_kind_of_code():
    f = Finder("zh", {"a_tech": "晋阳示范医院 技师"})
    text = ("依据标准 seed 证据类型 measure, image 记录人 DICOM intake a_tech registry.device evidence | measurement "
            "{'schema': 1} piu 67.492419 0.9961 acr-psg missing_slices")
    kinds = {k for k, _ in f.find(text)}
    assert kinds == {"catalog", "recorder", "username", "model label", "raw dict", "figure", "code"}
    clean = "依据标准 太原市标准 证据类型 测量、图像质量评价 记录人 DICOM 接收（自动） 晋阳示范医院 技师 均匀性 67.49 0.996 0.0164 1.2.826.0.1.3680043.8"
    assert f.find(clean) == []
    assert Finder("en", {}).find("baseline and nominal values of the log") == []


def test_figures_are_rounded_but_never_read_as_the_limit_they_fail():
    from huren.standard.catalog import judge_value as judge
    from huren.standard.criteria import _fmt

    assert (_fmt(67.492419), _fmt(0.996123), _fmt(0.016411), _fmt(190.456511)) == ("67.49", "0.996", "0.0164", "190.5")
    j = judge("DR-QC-STP", "stp_r2", 0.9499)
    assert j.verdict == "fail" and "0.9499" in j.reason_en, j.reason_en
    assert "0.996 " in judge("DR-QC-STP", "stp_r2", 0.996123).reason_en + " "


def test_the_audit_log_reads_as_names_not_codes(db):
    from huren.accounts.audit_display import changes_lines, readable, record_type
    from huren.accounts.models import AuditEntry

    with translation_override("zh-hans"):
        assert record_type("registry.device") == "设备" and record_type("evidence.measurement") == "测量"
        assert readable("MR-EQ-PERF piu = 84.1106 % (2020-09-03)") == "MR-EQ-PERF 图像均匀性 = 84.11 % (2020-09-03)"
        e = AuditEntry(model="evidence.measurement", object_id="1", action="create",
                       changes={"method": [None, "acr-psg"], "test_type": [None, "status"], "value": [None, 0.553354],
                                "result": [None, {"schema": "huren.result/1", "rois": []}]})
        lines = {k: new for k, _old, new in changes_lines(e)}
        assert lines["方法"] == "ACR 伪影百分比信号（PSG）" and lines["数值"] == "0.553" and "结构化数据" in next(v for k, v in lines.items() if k.startswith("分析结果"))
        assert "状态检测" in lines["检测类型"], lines
