"""Evidence records as the device pages show them: the latest one behind each item's
verdict, and a device's (or one item's) history, newest first, corrections included."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from huren.assessment.verdicts import current_catalog
from huren.evidence.logfields import BY_DATE_METRIC, BY_FIELD, BY_METRIC, RATE_METRICS
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.standard import metrics
from huren.standard.criteria import _fmt
from huren.web.i18n import is_chinese

MODELS = {"measurement": Measurement, "log": DailyLog, "check": ChecklistAnswer, "document": Document}
CORRECT_VIEWS = {"measurement": "web:record_measurement", "log": "web:record_log", "check": "web:record_checklist",
                 "document": "web:record_document"}
KIND_LABELS = {"measurement": _("measurement"), "log": _("daily log"), "check": _("checklist"), "document": _("document")}


@dataclass
class Entry:
    kind: str
    record: object
    summary: str

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def superseded(self) -> bool:
        return not self.record.is_current

    @property
    def file_url(self) -> str | None:
        """Where the record's file opens (a document, a checklist answer's attachment)."""
        f = getattr(self.record, "file", None) or getattr(self.record, "attachment", None)
        return reverse("web:evidence_file", args=[self.kind, self.record.pk]) if f else None

    @property
    def correct_url(self) -> str | None:
        """Where to record a correction of this record (only device records that stand)."""
        if self.superseded or not self.record.device_id:
            return None
        return reverse(CORRECT_VIEWS[self.kind], args=[self.record.device_id]) + f"?supersedes={self.record.pk}"


def metric_label(metric: str) -> str:
    """A metric's name in the page's language (metrics.toml), never its key."""
    m = metrics().get(metric)
    if m is None:
        return metric
    return m.label_zh if is_chinese() else m.label_en


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def log_fields_for(item) -> list[str]:
    """The daily-log fields an item's criteria read (all of them when none is named)."""
    names = []
    for c in getattr(item, "criteria", ()):
        if c.metric in BY_METRIC:
            names.append(BY_METRIC[c.metric].field)
        elif c.metric in BY_DATE_METRIC:
            names.append(BY_DATE_METRIC[c.metric].field)
        elif c.metric in RATE_METRICS:
            names.append(RATE_METRICS[c.metric])
    return [n for n in BY_FIELD if n in names] or list(BY_FIELD)


def summarise(kind: str, r, item=None) -> str:
    if kind == "measurement":
        return f"{metric_label(r.metric)} = {_fmt(r.value)} {r.unit}".strip()
    if kind == "log":
        parts = []
        for name in log_fields_for(item):
            lf, v = BY_FIELD[name], getattr(r, name)
            if v is None:
                continue
            label = r._meta.get_field(name).verbose_name
            if lf.kind == "bool":
                parts.append(f"{label}: {_('yes') if v else _('no')}")
            else:
                parts.append(f"{label} {_num(v)}")
        return "; ".join(str(p) for p in parts)
    if kind == "check":
        q = f" Q{r.question}" if r.question else ""
        return f"{r.item}{q}: {r.get_answer_display()}"
    if kind == "document":
        until = f" ({_('valid until')} {r.valid_until:%Y-%m-%d})" if r.valid_until else ""
        return f"{r.title}{until}"
    return str(r)


def latest_evidence(verdicts) -> dict[str, Entry]:
    """For each item's verdict, the newest record among the evidence it rests on."""
    wanted: dict[str, set[int]] = {k: set() for k in MODELS}
    for v in verdicts:
        for k, ids in (v.evidence or {}).items():
            if k in wanted:
                wanted[k].update(ids)
    loaded = {k: {r.pk: r for r in MODELS[k].objects.filter(pk__in=ids)} for k, ids in wanted.items() if ids}
    catalog = current_catalog()
    out: dict[str, Entry] = {}
    for v in verdicts:
        best = None
        for k, ids in (v.evidence or {}).items():
            for i in ids:
                r = loaded.get(k, {}).get(i)
                if r is not None and (best is None or (r.performed_on, r.recorded_at) > (best[1].performed_on, best[1].recorded_at)):
                    best = (k, r)
        if best:
            out[v.item] = Entry(best[0], best[1], summarise(*best, item=catalog[v.item] if v.item in catalog else None))
    return out


def evidence_history(device, *, item=None, limit: int = 50, kinds=None, since=None, until=None) -> list[Entry]:
    """The device's records (and its department's), newest first; only those about ``item``,
    of ``kinds`` and dated ``since``–``until`` if given."""
    entries: list[Entry] = []
    for kind, model in MODELS.items():
        if kinds and kind not in kinds:
            continue
        qs = model.objects.for_device(device).select_related("recorded_by__profile", "superseded_by").order_by("-performed_on", "-recorded_at")
        if since:
            qs = qs.filter(performed_on__gte=since)
        if until:
            qs = qs.filter(performed_on__lte=until)
        if item is not None:
            if kind == "log" and "log" not in item.kinds:
                continue
            if kind in ("measurement", "check"):
                qs = qs.filter(item=item.id)
        rows = list(qs[: limit * 2 if kind == "document" and item is not None else limit])
        if kind == "document" and item is not None:
            rows = [r for r in rows if item.id in (r.items or [])]
        entries += [Entry(kind, r, summarise(kind, r, item)) for r in rows]
    entries.sort(key=lambda e: (e.record.performed_on, e.record.recorded_at), reverse=True)
    return entries[:limit]


@dataclass
class Link:
    """A link from an assessment row to the evidence behind its verdict."""

    kind: str  # records, series, file
    label: str
    url: str


REGISTER_KEYS = ("coil", "accessory", "room", "ppe", "shielding")


def evidence_links(device, entries) -> dict[str, list[Link]]:
    """For each assessment entry (a snapshot row: ``item`` and ``evidence`` ids), links to the
    evidence its verdict rests on: the item's records on the device's item page (per kind,
    with their number), the DICOM series each analysed measurement came from (its page shows
    the pictures with the ROIs), and each document or attachment, which opens from the link.
    Four queries, whatever the number of entries."""
    from huren.dicomnode.models import AnalysisRun

    ids: dict[str, set[int]] = {"measurement": set(), "document": set(), "check": set()}
    for e in entries:
        for k in ids:
            ids[k].update((e.get("evidence") or {}).get(k, []))
    run_of = {pk: (c or {}).get("analysis_run") for pk, c in Measurement.objects.filter(
        pk__in=ids["measurement"], source=Measurement.Source.ANALYSIS).values_list("pk", "conditions")}
    series = {pk: (sid, desc) for pk, sid, desc in AnalysisRun.objects.filter(
        pk__in={r for r in run_of.values() if isinstance(r, int)}).values_list("pk", "series_id", "series__description")}
    docs = dict(Document.objects.filter(pk__in=ids["document"]).values_list("pk", "title"))
    attached = set(ChecklistAnswer.objects.filter(pk__in=ids["check"]).exclude(attachment="")
                   .exclude(attachment__isnull=True).values_list("pk", flat=True))
    out: dict[str, list[Link]] = {}
    for e in entries:
        ev = e.get("evidence") or {}
        item_url = reverse("web:device_item", args=[device.pk, e["item"]]) + "#history"
        links = [Link("records", f"{KIND_LABELS[k]} ({len(ev[k])})", item_url)
                 for k in ("measurement", "log", "check") if ev.get(k)]
        n_reg = sum(len(ev.get(k, [])) for k in REGISTER_KEYS)
        if n_reg:
            links.append(Link("records", f"{_('register entries')} ({n_reg})", item_url))
        shown = set()
        for m in ev.get("measurement", []):
            hit = series.get(run_of.get(m))
            if hit and hit[0] not in shown:
                shown.add(hit[0])
                links.append(Link("series", f"{_('DICOM series with ROI pictures')}: {hit[1] or hit[0]}",
                                  reverse("web:dicom_series", args=[hit[0]])))
        links += [Link("file", docs[d], reverse("web:evidence_file", args=["document", d])) for d in ev.get("document", []) if d in docs]
        links += [Link("file", f"{KIND_LABELS['check']}: {_('attachment')}", reverse("web:evidence_file", args=["check", c]))
                  for c in ev.get("check", []) if c in attached]
        out[e["item"]] = links
    return out
