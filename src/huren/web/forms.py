"""Forms that record evidence for one device: a daily log, a measurement, a checklist
answer, a document.

A form here is only the page's half: widgets, labels, choices from the catalog. Whether a
record may be made (a date in the future, a unit that is not the metric's, an impossible
value, a day already logged, a file above the upload limit, an item of another modality)
is decided by the API's serializer for that record, which the form runs after parsing its
fields, so that the web and the API accept and refuse exactly the same things. Its
messages land on the form's fields as the API gives them, "中文 / English", whatever the
page's language; Django's own field messages (a required field, a malformed number or
date) are shown the same way (:class:`huren.web.i18n.BilingualFieldsForm`). The
record is created by the serializer too (generated file names, the recording user).
"""

from __future__ import annotations

import json

from django import forms
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.api.serializers import (
    ChecklistAnswerSerializer, DailyLogSerializer, DocumentSerializer, MeasurementSerializer,
)
from huren.assessment.verdicts import current_catalog
from huren.evidence.logfields import BY_FIELD
from huren.evidence.models import TEST_TYPES, ChecklistAnswer, DailyLog, Document
from huren.standard.catalog import metrics
from huren.standard.criteria import _fmt
from huren.web.i18n import BilingualFieldsForm, bilingual

# Which daily-log fields each modality's technologists fill in (the catalog's log items).
COMMON_LOG_FIELDS = ("temperature_c", "humidity_percent", "storage_free_percent", "status_ok",
                     "preventive_maintenance_done")
MODALITY_LOG_FIELDS = {
    "DR": COMMON_LOG_FIELDS + ("startup_check_done",),
    "CT": COMMON_LOG_FIELDS + ("warm_up_done", "air_calibration_done"),
    "MR": COMMON_LOG_FIELDS + ("helium_level_percent", "compressor_running", "compressor_temperature_c",
                               "compressor_pressure_mpa", "chiller_water_temperature_c", "chiller_water_pressure_mpa",
                               "cold_head_sound_normal", "system_log_reviewed", "errors_followed_up",
                               "table_checked", "images_sent_to_pacs", "backup_done", "full_shutdown_done"),
}
TRI_STATE = [("", _("not recorded")), ("true", _("yes")), ("false", _("no"))]


def _date_field(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


def _item_label(i) -> str:
    return f"{i.id} {bilingual(i.title_zh or i.text_zh, i.title_en or i.text_en)}"


class EvidenceForm(BilingualFieldsForm, forms.Form):
    serializer_class = None
    performed_on = _date_field(_("date"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    supersedes = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_from(cls, record) -> dict:
        """The form's starting values for a correction of ``record``."""
        out = {}
        for name in cls.base_fields:
            v = getattr(record, name, None)
            if name == "supersedes":
                v = record.pk
            elif hasattr(v, "pk"):
                v = v.pk
            elif isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, FieldFile):  # a stored file (or none): a correction uploads its own
                continue
            if v is not None:
                out[name] = v
        for name in BY_FIELD:  # daily-log values live in fields added per modality
            v = getattr(record, name, None)
            if v is not None:
                out[name] = ("true" if v else "false") if isinstance(v, bool) else v
        return out

    def __init__(self, *args, device, request, **kwargs):
        self.device = device
        self.request = request
        self._serializer = None
        super().__init__(*args, **kwargs)
        self.fields["performed_on"].initial = timezone.localdate()
        # the date and the note come last on the page, after what is being recorded
        self.order_fields([n for n in self.fields if n not in ("performed_on", "note")] + ["performed_on", "note"])

    def catalog_items(self, kind: set[str]):
        return [i for i in current_catalog().for_modality(self.device.modality) if kind & set(i.kinds)]

    def payload(self, data: dict) -> dict:
        out = {k: v for k, v in data.items() if v is not None and v != "" and v != []}
        out["device"] = self.device.pk
        return out

    def clean(self):
        data = super().clean()
        if self.errors:
            return data  # the serializer sees only well-formed input
        ser = self.serializer_class(data=self.payload(data), context={"request": self.request})
        if ser.is_valid():
            self._serializer = ser
            return data
        for field, msgs in ser.errors.items():
            target = field if field in self.fields else None
            for m in msgs if isinstance(msgs, list) else [msgs]:
                self.add_error(target, str(m))  # the serializer's message is already "中文 / English"
        return data

    def save(self):
        return self._serializer.save()


class DailyLogForm(EvidenceForm):
    serializer_class = DailyLogSerializer
    room = forms.ModelChoiceField(label=_("room"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rooms = self.device.department.rooms.all()
        # the device's own room only (a device registered without one: its department's rooms)
        self.fields["room"].queryset = rooms.filter(pk=self.device.room_id) if self.device.room_id else rooms
        self.fields["room"].initial = self.device.room_id
        for name in MODALITY_LOG_FIELDS.get(self.device.modality, COMMON_LOG_FIELDS):
            lf = BY_FIELD[name]
            label = DailyLog._meta.get_field(name).verbose_name
            if lf.kind == "bool":
                self.fields[name] = forms.TypedChoiceField(
                    label=label, choices=TRI_STATE, required=False,
                    coerce=lambda v: {"true": True, "false": False}.get(v), empty_value=None)
            else:
                self.fields[name] = forms.FloatField(  # the label carries the unit
                    label=label, required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
        self.order_fields(["room", *[n for n in self.fields if n in BY_FIELD], "performed_on", "note"])

    def payload(self, data):
        out = super().payload(data)
        if data.get("room") is not None:
            out["room"] = data["room"].pk
        return out


class MeasurementForm(EvidenceForm):
    serializer_class = MeasurementSerializer
    item = forms.ChoiceField(label=_("catalog item"))
    metric = forms.ChoiceField(label=_("metric"))
    value = forms.FloatField(label=_("value"), widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    unit = forms.CharField(label=_("unit"), required=False, max_length=20)
    test_type = forms.ChoiceField(label=_("test type"), choices=[("", "—"), *TEST_TYPES], required=False)
    method = forms.CharField(label=_("method"), required=False, max_length=60)
    baseline = forms.FloatField(label=_("baseline"), required=False,
                                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))

    confirm_duplicate = forms.BooleanField(label=_("record it again anyway"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = self.catalog_items({"measure", "image"})
        self.fields["item"].choices = [(i.id, _item_label(i)) for i in items]
        reg = metrics()
        # the selected item's metrics only (the page's script narrows the list when the item changes)
        chosen = self.data.get("item") if self.is_bound else self.initial.get("item")
        by_item = {i.id: [m for m in i.metrics if m in reg] for i in items}
        names = by_item.get(chosen) or sorted({m for ms in by_item.values() for m in ms})
        label = {m: f"{bilingual(reg[m].label_zh, reg[m].label_en)} [{reg[m].unit or '—'}]" for ms in by_item.values()
                 for m in ms}
        self.fields["metric"].choices = [(m, label[m]) for m in names]
        self.fields["item"].widget.attrs["data-metrics"] = json.dumps(
            {i: [[m, label[m], reg[m].unit_for(i)] for m in ms] for i, ms in by_item.items()}, ensure_ascii=False)
        if chosen in by_item and len(by_item[chosen]) == 1 and not self.is_bound:
            self.initial.setdefault("metric", by_item[chosen][0])
            self.initial.setdefault("unit", reg[by_item[chosen][0]].unit_for(chosen))
        if not self.is_bound:
            del self.fields["confirm_duplicate"]  # asked only when the day already has this figure

    def clean(self):
        data = super().clean()
        if self.errors or data.get("supersedes") or data.get("confirm_duplicate"):
            return data
        from huren.evidence.models import Measurement

        same = Measurement.objects.current().filter(device=self.device, item=data.get("item"), metric=data.get("metric"),
                                                    test_type=data.get("test_type") or "",
                                                    performed_on=data.get("performed_on")).first()
        if same is not None:
            self._serializer = None
            self.add_error("confirm_duplicate", f"当日已录入该指标（{_fmt(same.value)} {same.unit}）；如需更正请用“更正”，"
                                                f"确需再录一次请勾选 / this figure was already recorded that day "
                                                f"({_fmt(same.value)} {same.unit}); correct it, or tick to record it again")
        return data

    def payload(self, data):
        out = super().payload(data)
        out.setdefault("unit", "")
        out.pop("confirm_duplicate", None)
        return out


class ChecklistForm(EvidenceForm):
    serializer_class = ChecklistAnswerSerializer
    item = forms.ChoiceField(label=_("catalog item"))
    question = forms.CharField(label=_("question"), required=False, max_length=20,
                               help_text=ChecklistAnswer._meta.get_field("question").help_text)
    answer = forms.ChoiceField(label=_("answer"), choices=ChecklistAnswer.Answer.choices, widget=forms.RadioSelect)
    attachment = forms.FileField(label=_("attachment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.id, _item_label(i)) for i in self.catalog_items({"check"})]


class DocumentForm(EvidenceForm):
    serializer_class = DocumentSerializer
    items = forms.MultipleChoiceField(label=_("catalog items"), widget=forms.CheckboxSelectMultiple)
    kind = forms.ChoiceField(label=_("kind"), choices=Document.Kind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    file = forms.FileField(label=_("file"))
    issuing_body = forms.CharField(label=_("issued by"), required=False, max_length=200)
    valid_until = forms.DateField(label=_("valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(i.id, _item_label(i)) for i in self.catalog_items({"doc"})]
        self.fields["performed_on"].label = _("date of issue")


EVIDENCE_FORMS = {"log": DailyLogForm, "measurement": MeasurementForm, "checklist": ChecklistForm, "document": DocumentForm}
