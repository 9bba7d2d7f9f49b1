"""No internal codes on screen: every page reachable from the dashboard, walked as each demo
role, shows no bare metric key (``piu``, ``phantom_centre_px``) or analysis method code
(``acr-psg``) in its visible text."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from huren.standard import metrics

SRC = Path(__file__).resolve().parents[2] / "src" / "huren"
SKIP = ("/admin/", "/api/", "/i18n/", "/static/", "/accounts/logout", "/media/")
ENGLISH_WORDS = {"temperature", "humidity"}


def code_patterns() -> re.Pattern:
    keys = {k for k in metrics() if k not in ENGLISH_WORDS}
    methods = set()
    for p in (SRC / "analysis").rglob("*.py"):
        methods |= set(re.findall(r'method="([a-z0-9][a-z0-9_-]*)"', p.read_text("utf-8")))
    # a method code that is also an English word ("edge", "bars", "header") is not looked for
    methods = {m for m in methods if "-" in m or any(c.isdigit() for c in m) or m in ("acr", "ipem")}
    words = sorted(keys | methods, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def links(page: str) -> set[str]:
    out = set()
    for href in re.findall(r'href="([^"#]+)', page):
        href = html.unescape(href)
        u = urlparse(href)
        if u.scheme or u.netloc or not href.startswith("/") or href.startswith(SKIP):
            continue
        out.add(href)
    return out


def shape(url: str) -> str:
    """A page's kind: its path with numbers as # and its query's names (?supersedes=7 → ?supersedes)."""
    u = urlparse(url)
    return re.sub(r"\d+", "#", u.path) + "?" + ",".join(sorted(q.split("=")[0] for q in u.query.split("&") if q))


def walk(client, limit: int = 300, per_shape: int = 3):
    """(pages walked, {code: [pages]}) from the dashboard, GET only, same site; at most
    ``per_shape`` pages of one kind (three devices' pages, three corrections' forms)."""
    pat = code_patterns()
    seen, todo, found, shapes = set(), ["/"], {}, {}
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
        for code in sorted({m.group(1) for m in pat.finditer(visible_text(page))}):
            found.setdefault(code, []).append(url)  # one count per code and page
        todo += sorted(links(page) - seen)
    return len(seen), found


@pytest.fixture
def demo(db, settings):
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("huren_demo")


@pytest.mark.slow
def test_every_page_as_each_role_shows_no_metric_key_or_method_code(demo, client, capsys):
    from django.contrib.auth import get_user_model

    from huren.web.demo_info import demo_logins

    report = {}
    for username, _pw, role in demo_logins():
        client.force_login(get_user_model().objects.get(username=username))
        n, found = walk(client)
        report[username] = (n, found)
        client.logout()
    with capsys.disabled():
        for u, (n, found) in report.items():
            print(f"\n{u}: {n} pages walked, {sum(len(v) for v in found.values())} codes: "
                  + ", ".join(f"{k}×{len(v)} ({v[0]})" for k, v in sorted(found.items())))
    assert all(n > 5 for n, _ in report.values())
    assert {u: sorted(f) for u, (_, f) in report.items() if f} == {}
