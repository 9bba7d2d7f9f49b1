"""Read gettext ``.po`` catalogs and write ``.mo`` files, in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh machine may lack;
``python -m huren.web.pofile`` compiles huren's catalogs without it (the bootstrap script
calls it), and the tests use :func:`read_po` to check that the committed ``.mo`` files say
what the ``.po`` files say. The ``.mo`` layout is GNU gettext's (magic 0x950412de,
revision 0, sorted original strings, no hash table).
"""

from __future__ import annotations

import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    msgid_plural: str | None = None
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    msgctxt: str | None = None
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        if self.msgid_plural is not None:
            return bool(self.msgstr_plural) and all(self.msgstr_plural.values())
        return bool(self.msgstr)


def _unquote(s: str) -> str:
    s = s.strip()
    if not (s.startswith('"') and s.endswith('"')):
        raise ValueError(f"not a quoted po string: {s!r}")
    return ast.literal_eval(s)  # po escapes are a subset of Python's


def read_po(path: str | Path) -> list[Entry]:
    """The entries of a ``.po`` file (header included, as the entry with msgid "")."""
    entries: list[Entry] = []
    cur: Entry | None = None
    key: tuple | None = None
    flags: set[str] = set()

    def finish():
        nonlocal cur
        if cur is not None:
            entries.append(cur)
        cur = None

    for raw in Path(path).read_text("utf-8").splitlines():
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith("msgctxt "):
            finish()
            cur = Entry(msgid="", msgctxt=_unquote(line[8:]), flags=flags, obsolete=obsolete)
            flags, key = set(), ("msgctxt",)
        elif line.startswith("msgid_plural "):
            cur.msgid_plural = _unquote(line[13:])
            key = ("msgid_plural",)
        elif line.startswith("msgid "):
            if cur is None or key != ("msgctxt",):
                finish()
                cur = Entry(msgid="", flags=flags, obsolete=obsolete)
                flags = set()
            cur.msgid = _unquote(line[6:])
            key = ("msgid",)
        elif line.startswith("msgstr["):
            n = int(line[7:line.index("]")])
            cur.msgstr_plural[n] = _unquote(line[line.index("]") + 1:])
            key = ("msgstr", n)
        elif line.startswith("msgstr "):
            cur.msgstr = _unquote(line[7:])
            key = ("msgstr",)
        elif line.startswith('"') and cur is not None and key is not None:
            s = _unquote(line)
            if key == ("msgctxt",):
                cur.msgctxt += s
            elif key == ("msgid",):
                cur.msgid += s
            elif key == ("msgid_plural",):
                cur.msgid_plural += s
            elif key == ("msgstr",):
                cur.msgstr += s
            else:
                cur.msgstr_plural[key[1]] += s
        else:
            raise ValueError(f"{path}: cannot read line {raw!r}")
    finish()
    return entries


def mo_messages(entries: list[Entry]) -> dict[str, str]:
    """The original → translation pairs a ``.mo`` file holds (what msgfmt keeps)."""
    out: dict[str, str] = {}
    for e in entries:
        if e.obsolete or (e.fuzzy and e.msgid) or not e.translated and e.msgid:
            continue
        orig = e.msgid if e.msgid_plural is None else f"{e.msgid}\0{e.msgid_plural}"
        if e.msgctxt is not None:
            orig = f"{e.msgctxt}\x04{orig}"
        if e.msgid_plural is None:
            out[orig] = e.msgstr
        else:
            out[orig] = "\0".join(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
    return out


def write_mo(entries: list[Entry], path: str | Path) -> None:
    msgs = mo_messages(entries)
    keys = sorted(msgs, key=lambda k: k.encode("utf-8"))
    ids = [k.encode("utf-8") for k in keys]
    strs = [msgs[k].encode("utf-8") for k in keys]
    n = len(keys)
    head = 7 * 4
    orig_tab = head
    trans_tab = orig_tab + n * 8
    data = trans_tab + n * 8
    offsets, blob = [], b""
    for b in ids:
        offsets.append((len(b), data + len(blob)))
        blob += b + b"\0"
    toffsets = []
    for b in strs:
        toffsets.append((len(b), data + len(blob)))
        blob += b + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, orig_tab, trans_tab, 0, data)
    out += b"".join(struct.pack("<2I", *o) for o in offsets)
    out += b"".join(struct.pack("<2I", *o) for o in toffsets)
    Path(path).write_bytes(out + blob)


def compile_all(root: str | Path) -> list[Path]:
    """Compile every ``.po`` under ``root`` into the ``.mo`` beside it."""
    done = []
    for po in sorted(Path(root).rglob("*.po")):
        mo = po.with_suffix(".mo")
        write_mo(read_po(po), mo)
        done.append(mo)
    return done


if __name__ == "__main__":
    # Every catalog of the package: the project's (huren/locale) and each app's own (huren/<app>/locale).
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    for mo in compile_all(root):
        print(f"compiled {mo}")
