"""Forms of the assessment workflow. The rules (who may, what a decision needs) are the
workflow service's (:mod:`huren.assessment.workflow`); its errors land on these fields."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class SheetCell:
    verdict_name: str
    verdict: str
    reason_name: str
    reason: str
    errors: list

    choices = VERDICTS


class ReviewSheetForm(ServiceErrorsMixin, BilingualFieldsForm, forms.Form):
    """Every item of a submitted assessment on one form (``verdict-<item>``, ``reason-<item>``),
    saved once. :meth:`changes` are the reviews to record; the workflow's refusals land on the
    item's fields (``workflow.review_many`` names them so)."""

    accept_rest = forms.BooleanField(label=_("also accept every other item not yet reviewed as derived"),
                                     required=False, initial=True)

    def __init__(self, *args, final=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.final = list(final)
        for e in self.final:
            self.fields[f"verdict-{e['item']}"] = forms.ChoiceField(label=_("verdict"), choices=VERDICTS, initial=e["verdict"])
            self.fields[f"reason-{e['item']}"] = forms.CharField(label=_("reason"), required=False, max_length=2000)

    def rows(self) -> list[tuple[dict, "SheetCell"]]:
        """(entry, cell) per item: the values to show (as posted, or the current verdict) and
        the field errors. The page writes the inputs itself: a widget rendered through Django's
        templates costs about half a millisecond, and a sheet has two per item."""
        out = []
        for e in self.final:
            v, r = self[f"verdict-{e['item']}"], self[f"reason-{e['item']}"]
            out.append((e, SheetCell(v.html_name, v.value(), r.html_name, r.value() or "", [*v.errors, *r.errors])))
        return out

    def changes(self) -> list[tuple[str, str | None, str]]:
        """An item whose verdict was changed or that was given a reason is reviewed as posted;
        with ``accept_rest``, every other item not reviewed yet is accepted as derived."""
        out = []
        for e in self.final:
            verdict = self.cleaned_data[f"verdict-{e['item']}"]
            reason = self.cleaned_data[f"reason-{e['item']}"].strip()
            if verdict != e["verdict"] or reason:
                out.append((e["item"], verdict, reason))
            elif self.cleaned_data["accept_rest"] and not e.get("review_id"):
                out.append((e["item"], None, ""))
        return out

    def errors_by_item(self) -> list[tuple[dict, list[str]]]:
        """The items with an error, in the page's order, and their messages (the list at the top)."""
        out = []
        for e in self.final:
            msgs = [m for f in ("verdict", "reason") for m in self.errors.get(f"{f}-{e['item']}", [])]
            if msgs:
                out.append((e, msgs))
        return out


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
