"""The catalog holds exactly the requirements of design/requirements.md, no more, no fewer."""

import re
from pathlib import Path

import pytest

from huren.standard import load_catalog
from huren.standard.catalog import DEFAULT_STANDARD

CATALOG_FILE = Path(__file__).resolve().parents[2] / "src" / "huren" / "standard" / "catalogs" / f"{DEFAULT_STANDARD}.toml"
ROW = re.compile(r"^\|\s*([A-Z]{2}-[A-Z0-9-]+)\s*\|\s*[^|]*\|\s*([^|]*?)\s*\|", re.M)


def requirement_rows(shared: Path) -> dict[str, tuple[str, ...]]:
    """ID → evidence kinds, from the ID column of requirements.md (read live, never copied)."""
    text = (shared / "design" / "requirements.md").read_text("utf-8")
    rows: dict[str, tuple[str, ...]] = {}
    for m in ROW.finditer(text):
        rows[m.group(1)] = tuple(k.strip() for k in m.group(2).split(","))
    return rows


def id_mismatch(catalog_ids, required_ids) -> tuple[set[str], set[str]]:
    """(IDs missing from the catalog, IDs the catalog has that the requirements do not)."""
    return set(required_ids) - set(catalog_ids), set(catalog_ids) - set(required_ids)


def test_requirements_md_parses_to_a_plausible_id_list(shared):
    rows = requirement_rows(shared)
    # DR, CT and MR parts each contribute; the ID column is not silently empty.
    for prefix in ("DR-", "CT-", "MR-"):
        assert sum(i.startswith(prefix) for i in rows) >= 20, prefix
    assert "CT-QC-HU-WATER" in rows and "MR-EQ-HE-LEVEL" in rows


def test_catalog_holds_exactly_the_ids_of_requirements_md_in_order(shared):
    rows = requirement_rows(shared)
    cat = load_catalog()
    missing, extra = id_mismatch(cat.items, rows)
    assert not missing, f"requirements without a catalog item: {sorted(missing)}"
    assert not extra, f"catalog items that are not requirements: {sorted(extra)}"
    assert list(cat.items) == list(rows), "catalog order differs from the standard's order"


def test_each_item_has_the_evidence_kinds_requirements_md_gives_it(shared):
    rows = requirement_rows(shared)
    cat = load_catalog()
    wrong = {i: (cat[i].kinds, k) for i, k in rows.items() if set(cat[i].kinds) != set(k)}
    assert not wrong


@pytest.mark.parametrize("change", ["remove", "add"])
def test_the_id_check_fails_when_an_item_is_added_or_removed(shared, tmp_path, change):
    # Works on a changed copy of the real catalog file, so it proves the comparison
    # above is not vacuous without copying any ID list into this test.
    text = CATALOG_FILE.read_text("utf-8")
    blocks = text.split("\n[[item]]\n")
    if change == "remove":
        victim = blocks.pop(5)
        gone = re.search(r'^id = "([^"]+)"', victim, re.M).group(1)
        changed = "\n[[item]]\n".join(blocks)
        # the [recording] table may name the item too: the catalog loader refuses unknown ids there
        changed = changed.replace(f'"{gone}", ', "")
    else:
        gone = None
        changed = text + '\n[[item]]\nid = "CT-EQ-EXTRA"\nmodality = "CT"\nsection = "equipment"\nkinds = ["check"]\n' \
            'text_zh = "额外条目"\ntext_en = "An extra item"\n'
    p = tmp_path / "changed.toml"
    p.write_text(changed, "utf-8")
    missing, extra = id_mismatch(load_catalog(p).items, requirement_rows(shared))
    if change == "remove":
        assert missing == {gone} and not extra
    else:
        assert extra == {"CT-EQ-EXTRA"} and not missing
