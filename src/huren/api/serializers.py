"""Serializers: field-level, bilingual validation; related records limited to the user's scope."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from huren.accounts.models import AuditEntry
from huren.accounts.roles import roles_of
from huren.api.errors import _django_errors, bilingual_messages
from huren.assessment.models import VERDICTS, Assessment, Decision, ItemReview
from huren.assessment.status import STATUS_ZH
from huren.assessment.verdicts import current_catalog
from huren.evidence import validation as V
from huren.evidence.roles import refusal
from huren.evidence.logfields import LOG_FIELDS, log_items
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.recognition.models import RecognitionQuery
from huren.registry.models import (
    Accessory, Coil, Department, Device, Institution, ProtectiveEquipment, Room, ShieldingMeasurement,
)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record chosen by id, among those the requesting user may see only."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        return qs.for_user(request.user) if request is not None else qs.none()


class Base(serializers.ModelSerializer):
    """Bilingual default messages, scoped related fields, and the model's own ``clean()``."""

    serializer_related_field = ScopedPrimaryKeyRelatedField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)

    # (fields, field to blame, bilingual message): a uniqueness the model's constraint also
    # enforces, checked here so the message is field-level and bilingual
    unique: tuple[tuple[tuple[str, ...], str, str], ...] = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        for fields, blame, message in self.unique:
            values = {f: attrs.get(f, getattr(self.instance, f, None)) for f in fields}
            dup = model.objects.filter(**values)
            if self.instance is not None:
                dup = dup.exclude(pk=self.instance.pk)
            if dup.exists():
                raise serializers.ValidationError({blame: [message]})
        if self.instance is not None:
            obj = model(**{f.attname: getattr(self.instance, f.attname) for f in model._meta.concrete_fields})
            obj._state.adding = False
        else:
            obj = model()
        for k, v in attrs.items():
            if k in {f.name for f in model._meta.concrete_fields}:
                setattr(obj, k, v)
        try:
            obj.clean()
        except DjangoValidationError as e:
            raise serializers.ValidationError(_django_errors(e)) from None
        return attrs


class InstitutionSerializer(Base):
    unique = ((("name",), "name", "同名机构已登记 / an institution of this name is already registered"),)

    class Meta:
        model = Institution
        fields = ["id", "name", "name_en", "kind", "parent", "code", "level", "address", "contact"]
        extra_kwargs = {"name": {"validators": []}}


class DepartmentSerializer(Base):
    unique = ((("institution", "name"), "name", "该机构已有同名科室 / the institution already has a department of this name"),)

    class Meta:
        model = Department
        fields = ["id", "institution", "name", "head"]
        validators = []  # the unique name check is ``unique``, bilingual


class RoomSerializer(Base):
    class Meta:
        model = Room
        fields = ["id", "department", "name", "kind", "area_m2", "independent_air_conditioning", "note"]


class DeviceSerializer(Base):
    institution = serializers.IntegerField(source="department.institution_id", read_only=True)
    unique = ((("manufacturer", "serial_number"), "serial_number",
               "该厂家的此序列号已登记 / this maker's serial number is already registered"),)

    class Meta:
        model = Device
        fields = ["id", "department", "institution", "room", "name", "modality", "manufacturer", "model_name",
                  "serial_number", "install_date", "field_strength_t", "ae_title", "station_name",
                  "device_serial_number", "active"]
        validators = []


class CoilSerializer(Base):
    class Meta:
        model = Coil
        fields = ["id", "device", "kind", "name", "serial_number", "channels", "in_service"]

    def validate_device(self, device):
        if device.modality != "MR":
            raise serializers.ValidationError("线圈只能登记在磁共振设备上 / coils belong to MR devices only")
        return device


class AccessorySerializer(Base):
    class Meta:
        model = Accessory
        fields = ["id", "department", "device", "kind", "name", "is_drug", "quantity", "expiry_date", "in_service"]


class ProtectiveEquipmentSerializer(Base):
    class Meta:
        model = ProtectiveEquipment
        fields = ["id", "department", "kind", "size", "lead_equivalence_mm", "quantity", "checked_on", "in_service"]


class ShieldingMeasurementSerializer(Base):
    class Meta:
        model = ShieldingMeasurement
        fields = ["id", "room", "position", "label", "lead_equivalence_mm", "measured_on", "measured_by"]

    def validate(self, attrs):
        err = refusal(self.context["request"].user, "shielding")
        if err:
            raise serializers.ValidationError({"lead_equivalence_mm": [err]})
        return super().validate(attrs)


# ------------------------------------------------------------------------------ evidence
class EvidenceBase(Base):
    """Common to all evidence: created once, by the requesting user, never updated."""

    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    superseded_by = serializers.SerializerMethodField()
    department = ScopedPrimaryKeyRelatedField(queryset=Department.objects.all(), required=False)

    COMMON = ["id", "department", "device", "performed_on", "supersedes", "superseded_by", "note",
              "recorded_by", "recorded_at"]

    def get_superseded_by(self, obj) -> int | None:
        # the reverse one-to-one is joined by the view (select_related), so no query per row
        try:
            return obj.superseded_by.pk
        except type(obj).DoesNotExist:
            return None

    def get_fields(self):
        fields = super().get_fields()
        fields["supersedes"].validators = []  # refused below with a bilingual message
        return fields

    def validate(self, attrs):
        device = attrs.get("device")
        if device is not None and attrs.get("department") is None:
            attrs["department"] = device.department
        if attrs.get("department") is None:
            raise serializers.ValidationError({"device": ["须指定设备或科室 / give a device or a department"]})
        err = V.check_not_future(attrs.get("performed_on"))
        if err:
            raise serializers.ValidationError({"performed_on": [err]})
        items, metric = self.recorded_about(attrs)
        err = refusal(self.context["request"].user, self.record_kind, items, metric)
        if err:
            blame = "metric" if metric and "metric" in self.fields else ("items" if "items" in self.fields else "item")
            raise serializers.ValidationError({blame if blame in self.fields else "non_field_errors": [err]})
        old = attrs.get("supersedes")
        if old is not None and type(old).objects.filter(supersedes=old).exists():
            raise serializers.ValidationError({"supersedes": ["该记录已被更正，请更正最新的记录 / "
                                                              "this record was already corrected; correct the latest one"]})
        return super().validate(attrs)

    record_kind = ""  # the kind the catalog's [recording] rules name (huren.evidence.roles)

    def recorded_about(self, attrs) -> tuple[list[str], str | None]:
        """The catalog items and metric a new record is about, for the recording rules."""
        items = attrs.get("items") or ([attrs["item"]] if attrs.get("item") else [])
        return list(items), attrs.get("metric")

    def create(self, validated_data):
        validated_data["recorded_by"] = self.context["request"].user
        return super().create(validated_data)


class MeasurementSerializer(EvidenceBase):
    record_kind = "measurement"
    class Meta:
        model = Measurement
        fields = EvidenceBase.COMMON + ["item", "metric", "value", "unit", "test_type", "method", "conditions",
                                        "baseline", "source", "result", "sop_instance_uids"]
        extra_kwargs = {"device": {"required": True, "allow_null": False}}

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        device = attrs.get("device")
        err = V.check_item(current_catalog(), attrs.get("item", ""), device.modality if device else None)
        if err:
            errors["item"] = [err]
        metric = attrs.get("metric", "")
        err = V.check_metric(metric) or V.check_item_metric(current_catalog(), attrs.get("item", ""), metric)
        if err:
            errors["metric"] = [err]
        else:
            err = V.check_unit(metric, attrs.get("unit"), attrs.get("item"))
            if err:
                errors["unit"] = [err]
            err = V.check_value(metric, attrs.get("value"))
            if err:
                errors["value"] = [err]
            if attrs.get("baseline") is not None:
                err = V.check_value(metric, attrs.get("baseline"))
                if err:
                    errors["baseline"] = [err]
        if not isinstance(attrs.get("conditions", {}), dict):
            errors["conditions"] = ["须为 JSON 对象 / must be a JSON object"]
        err = V.check_uids(attrs.get("sop_instance_uids", []))
        if err:
            errors["sop_instance_uids"] = [err]
        if attrs.get("source") == Measurement.Source.ANALYSIS:
            res = attrs.get("result")
            if not isinstance(res, dict) or res.get("schema") != "huren.result/1":
                errors["result"] = ["分析结果须为 huren.result/1 JSON / an analysis result must be huren.result/1 JSON"]
        if errors:
            raise serializers.ValidationError(errors)
        return super().validate(attrs)


class DailyLogSerializer(EvidenceBase):
    record_kind = "log"
    items = serializers.SerializerMethodField(help_text="catalog items this entry answers")

    class Meta:
        model = DailyLog
        fields = EvidenceBase.COMMON + ["room", "items"] + [f.field for f in LOG_FIELDS]

    def get_items(self, obj) -> list[str]:
        return log_items(obj, current_catalog())

    def validate(self, attrs):
        errors = {}
        for f in LOG_FIELDS:
            err = V.check_log_value(f.field, attrs.get(f.field))
            if err:
                errors[f.field] = [err]
        if errors:
            raise serializers.ValidationError(errors)
        if all(attrs.get(f.field) is None for f in LOG_FIELDS):
            raise serializers.ValidationError({"non_field_errors": ["日常记录至少须有一项数值 / a log entry needs at least one value"]})
        attrs = super().validate(attrs)
        if attrs.get("supersedes") is None:
            same = DailyLog.objects.current().filter(department=attrs["department"], device=attrs.get("device"),
                                                     room=attrs.get("room"), performed_on=attrs["performed_on"])
            if same.exists():
                raise serializers.ValidationError({"performed_on": ["当日已有记录，请以更正方式录入 / "
                                                                    "this day is already logged; record a correction"]})
        return attrs


def _upload_error(f) -> str | None:
    return V.check_size(f.size, settings.HUREN_MAX_UPLOAD_BYTES) if f is not None else None


class DownloadLinkMixin:
    """Files are served only through the API's scoped download action (``<id>/download/``),
    never from a public media URL."""

    file_field = "file"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if getattr(instance, self.file_field):
            url = reverse(f"api:{self.basename}-download", args=[instance.pk])
            data[self.file_field] = request.build_absolute_uri(url) if request is not None else url
        return data


class ChecklistAnswerSerializer(DownloadLinkMixin, EvidenceBase):
    record_kind = "check"
    file_field, basename = "attachment", "checklist"

    class Meta:
        model = ChecklistAnswer
        fields = EvidenceBase.COMMON + ["item", "question", "answer", "attachment"]

    def validate(self, attrs):
        device = attrs.get("device")
        catalog = current_catalog()
        err = V.check_item(catalog, attrs.get("item", ""), device.modality if device else None)
        if err:
            raise serializers.ValidationError({"item": [err]})
        q = attrs.get("question", "")
        n = len(catalog[attrs["item"]].checklist)
        if q and (not q.isdigit() or not 1 <= int(q) <= n):
            raise serializers.ValidationError({"question": [f"问题编号须在 1–{n} 之间或留空 / question must be 1–{n} or empty"]})
        err = _upload_error(attrs.get("attachment"))
        if err:
            raise serializers.ValidationError({"attachment": [err]})
        return super().validate(attrs)


class DocumentSerializer(DownloadLinkMixin, EvidenceBase):
    record_kind = "document"
    basename = "document"

    class Meta:
        model = Document
        fields = EvidenceBase.COMMON + ["items", "kind", "title", "file", "original_name", "size_bytes", "sha256",
                                        "issuing_body", "valid_until"]
        read_only_fields = ["original_name", "size_bytes", "sha256"]

    def validate_items(self, items):
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise serializers.ValidationError("须列出文档对应的评估条目 / list the catalog items the document answers")
        catalog = current_catalog()
        bad = [i for i in items if i not in catalog]
        if bad:
            raise serializers.ValidationError(f"标准中没有这些条目：{', '.join(bad)} / no such items: {', '.join(bad)}")
        return items

    def validate(self, attrs):
        f = attrs.get("file")
        err = _upload_error(f)
        if err:
            raise serializers.ValidationError({"file": [err]})
        device = attrs.get("device")
        if device is not None:
            catalog = current_catalog()
            bad = [i for i in attrs.get("items", []) if catalog[i].modality != device.modality]
            if bad:
                raise serializers.ValidationError({"items": [f"条目与设备类型不符：{', '.join(bad)} / items not for a "
                                                             f"{device.modality} device: {', '.join(bad)}"]})
        return super().validate(attrs)

    def create(self, validated_data):
        f = validated_data["file"]
        h = hashlib.sha256()
        for chunk in f.chunks():
            h.update(chunk)
        f.seek(0)
        # the user's file name is kept as text only; the stored name is generated
        validated_data.update(original_name=(f.name or "")[-255:], size_bytes=f.size, sha256=h.hexdigest())
        return super().create(validated_data)


# ---------------------------------------------------------------------------- assessment
class ItemReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    overridden = serializers.BooleanField(read_only=True)

    class Meta:
        model = ItemReview
        fields = ["id", "item", "derived_verdict", "verdict", "overridden", "reason", "reviewer", "reviewed_at"]


class AssessmentSerializer(Base):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, default=None)
    reviews = ItemReviewSerializer(many=True, read_only=True)
    decision = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "device", "catalog_key", "state", "as_of", "snapshot", "note", "created_by", "created_at",
                  "submitted_by", "submitted_at", "reviews", "decision"]
        read_only_fields = ["catalog_key", "state", "as_of", "snapshot", "created_at", "submitted_at"]


class ReviewInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=40)
    verdict = serializers.ChoiceField(choices=VERDICTS, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)


class OverrideInputSerializer(ReviewInputSerializer):
    verdict = serializers.ChoiceField(choices=VERDICTS)
    reason = serializers.CharField(max_length=2000)


class DecideInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    valid_until = serializers.DateField(required=False, allow_null=True)
    rectification_items = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    rectification_deadline = serializers.DateField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "assessment", "device", "outcome", "decided_by", "decided_at", "valid_from", "valid_until",
                  "rectification_items", "rectification_deadline", "comment", "catalog_key", "snapshot"]
        read_only_fields = fields


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", "at", "username", "ip", "action", "model", "object_id", "object_repr", "institution", "changes",
                  "note"]
        read_only_fields = fields


class RecognitionQuerySerializer(serializers.ModelSerializer):
    class Meta:
        model = RecognitionQuery
        fields = ["id", "asked_at", "institution", "kind", "study_date", "identity", "study_instance_uid",
                  "accession_number", "device", "decision", "recognised", "items", "error", "reason_zh", "reason_en"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    @staticmethod
    def describe(user) -> dict:
        profile = getattr(user, "profile", None)
        inst = profile.institution if profile else None
        return {"id": user.pk, "username": user.get_username(), "roles": sorted(roles_of(user)),
                "is_superuser": user.is_superuser,
                "institution": None if inst is None else {"id": inst.pk, "name": inst.name, "kind": inst.kind}}


class TokenSerializer(AuthTokenSerializer):
    """Token login with a bilingual refusal that says whether the login is locked (throttled)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError:
            from huren.accounts.throttle import LOCKED_MESSAGE

            # the web login page says so too: a locked user must not keep retrying a right password
            if getattr(self.context.get("request"), "huren_login_locked", False):
                raise serializers.ValidationError(LOCKED_MESSAGE, code="throttled") from None
            raise serializers.ValidationError(
                "无法登录：用户名或密码错误 / unable to log in: wrong user name or password",
                code="authorization") from None


# ------------------------------------------------------------ documented response shapes
class ItemVerdictSerializer(serializers.Serializer):
    """One catalog item's derived verdict (see ``assessment.verdicts.ItemVerdict``)."""

    item = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    section = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    required = serializers.BooleanField()
    verdict = serializers.ChoiceField(choices=VERDICTS)
    reason_zh = serializers.CharField()
    reason_en = serializers.CharField()
    evidence = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()),
                                     help_text="evidence kind (measurement, log, check, document, coil, …) → record ids")
    last_done = serializers.DateField(allow_null=True)


class DeviceVerdictsSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    catalog_key = serializers.CharField()
    on = serializers.DateField()
    summary = serializers.DictField(child=serializers.IntegerField())
    items = ItemVerdictSerializer(many=True)


class ReasonSerializer(serializers.Serializer):
    zh = serializers.CharField()
    en = serializers.CharField()


class DecisionBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    decided_at = serializers.DateTimeField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    catalog_key = serializers.CharField()
    rectification_items = serializers.ListField(child=serializers.CharField(), required=False)
    rectification_deadline = serializers.DateField(allow_null=True, required=False)


STATUSES = [(k, k.replace("_", " ")) for k in STATUS_ZH]


class DeviceStatusSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    status = serializers.ChoiceField(choices=STATUSES)
    status_zh = serializers.CharField()
    reasons = ReasonSerializer(many=True)
    items_at_risk = serializers.ListField(child=serializers.CharField())
    decision = DecisionBriefSerializer(allow_null=True)
