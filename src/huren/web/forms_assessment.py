"""Forms of the assessment workflow. The rules (who may, what a decision needs) are the
workflow service's (:mod:`huren.assessment.workflow`); its errors land on these fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huren.assessment.models import VERDICTS, Decision
from huren.web.i18n import BilingualFieldsForm


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a workflow ValidationError ("中文 / English" per field) on the form as it is, in both languages."""
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
        for field, msgs in items:
            target = field if field in self.fields else None
            for m in msgs:
                self.add_error(target, m)


class AssessmentCreateForm(BilingualFieldsForm, forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(ServiceErrorsMixin, BilingualFieldsForm, forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("verdict"), choices=VERDICTS)
    reason = forms.CharField(label=_("reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(ServiceErrorsMixin, BilingualFieldsForm, forms.Form):
    outcome = forms.ChoiceField(label=_("decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    valid_until = forms.DateField(label=_("valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rectification_items = forms.MultipleChoiceField(label=_("rectification items"), required=False,
                                                    widget=forms.CheckboxSelectMultiple)
    rectification_deadline = forms.DateField(label=_("rectification deadline"), required=False,
                                             widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=_("comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        # an item is an id, or (id, label): the label names the item by its title
        self.fields["rectification_items"].choices = [(i, i) if isinstance(i, str) else tuple(i) for i in items]
