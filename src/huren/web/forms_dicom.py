"""The DICOM upload form: files or zips, size-limited, through the SCP's storage path."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from huren.evidence.validation import check_size
from huren.web.i18n import BilingualFieldsForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _devices(user):
    from huren.registry.models import Device

    return Device.objects.for_user(user).filter(active=True).select_related("department__institution")


class AssignDeviceForm(BilingualFieldsForm, forms.Form):
    device = forms.ModelChoiceField(queryset=None, label=_("Device"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = _devices(user)


class DicomUploadForm(BilingualFieldsForm, forms.Form):
    files = MultipleFileField(
        label=_("DICOM files or zip archives"),
        help_text=_("One or more DICOM files, or zip archives of them."),
    )
    device = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Device"),
        help_text=_("The device that made the images. Leave empty to match it from the DICOM header."),
    )

    kerma = forms.FileField(
        required=False, label=_("DR: detector air kerma (CSV)"),
        help_text=_("Optional: the CSV of huren analyze --kerma (header file,kerma_ugy; µGy per image file)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from huren.accounts.roles import is_centre_user

        self.fields["device"].queryset = _devices(user)
        # A hospital user must say which of its devices: an unmatched upload would be invisible to it.
        self.fields["device"].required = not is_centre_user(user)
        if self.fields["device"].required:
            # so the help text must not offer to leave it empty
            self.fields["device"].help_text = _("The device that made the images.")

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.HUREN_MAX_UPLOAD_BYTES
        if not files:
            raise forms.ValidationError(_("Choose at least one file."), code="required")
        err = check_size(sum(f.size for f in files), limit)
        if err:
            raise forms.ValidationError(err, code="too_large")  # already "中文 / English"
        return files

    def clean_kerma(self):
        """The kerma CSV read by the CLI's own reader (one piece of code): {file name: µGy}."""
        f = self.cleaned_data.get("kerma")
        if not f:
            return None
        import tempfile

        from huren.analysis import read_kerma

        with tempfile.NamedTemporaryFile(suffix=".csv") as tmp:
            for chunk in f.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                return read_kerma(tmp.name)
            except (ValueError, UnicodeDecodeError) as e:
                msg = str(e).split(": ", 1)[-1] if isinstance(e, ValueError) else \
                    "不是 UTF-8 文本的 CSV / not a UTF-8 text CSV"
                raise forms.ValidationError(msg, code="kerma") from None
