"""Forms of the QC centre's image-quality pages: a sampling rule, a new rules version."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huren.registry.models import Device
from huren.web.i18n import BilingualFieldsForm

from .models import SamplingRule

MODALITIES = [("", "—"), ("CT", "CT"), ("DR", "DR"), ("MR", "MR")]
MAX_RULES_BYTES = 1_000_000


class SamplingRuleForm(BilingualFieldsForm, forms.ModelForm):
    modality = forms.ChoiceField(label=_("modality"), choices=MODALITIES, required=False,
                                 help_text=_("For every device of this modality (when no device is named)."))

    class Meta:
        model = SamplingRule
        fields = ["device", "modality", "per_period", "period", "stratify_by_body_part", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.select_related("department__institution").order_by("name")
        self.fields["per_period"].min_value = 1
        self.fields["per_period"].widget.attrs["min"] = 1

    def clean_per_period(self):
        n = self.cleaned_data["per_period"]
        if n is None or n < 1 or n > 10_000:
            raise ValidationError("每周期抽样数应在 1–10000 之间 / studies per period must be 1–10000")
        return n

    def clean(self):
        data = super().clean()
        device, modality = data.get("device"), data.get("modality") or ""
        if device is None and not modality:
            raise ValidationError("请选择设备或设备类型 / choose a device or a modality")
        if device is not None:
            data["modality"] = ""  # the device names its modality
        return data


class RulesUploadForm(BilingualFieldsForm, forms.Form):
    file = forms.FileField(label=_("rule file (TOML)"))
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_RULES_BYTES:
            raise ValidationError("规则文件过大（上限 1 MB） / the rule file is too large (1 MB at most)")
        try:
            return f.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("规则文件不是 UTF-8 文本 / the rule file is not UTF-8 text") from None
