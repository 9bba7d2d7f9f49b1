"""The recognition API: the question (GET by study / device and date, POST a DICOM file),
the receiving doctors' decisions (scoped to the receiving hospital), the QC centre's manual
actions (scoped to the device's hospital), the re-examination reasons and acceptance rates.
Mounted from :mod:`huren.api.urls`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from huren.accounts.roles import CLINICIAN, EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, TECHNOLOGIST
from huren.api.errors import bilingual_messages
from huren.api.serializers import DecisionBriefSerializer, ReasonSerializer
from huren.api.views import ScopedViewSet
from huren.assessment.models import Decision
from huren.evidence.validation import check_size
from huren.recognition import services as R
from huren.recognition.models import ClinicianDecision, QualificationAction, ReExamReason
from huren.registry.models import Device


class _Bilingual(serializers.Serializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)


class RecognitionInputSerializer(_Bilingual):
    study_instance_uid = serializers.CharField(required=False, max_length=200)
    accession_number = serializers.CharField(required=False, max_length=200)
    study_date = serializers.DateField(required=False)
    device = serializers.IntegerField(required=False, min_value=1)
    station_name = serializers.CharField(required=False, max_length=64)
    device_serial = serializers.CharField(required=False, max_length=64)
    ae_title = serializers.CharField(required=False, max_length=16)
    manufacturer = serializers.CharField(required=False, max_length=100)
    modality = serializers.CharField(required=False, max_length=16)
    body_part = serializers.CharField(required=False, max_length=64)


class RecognitionFileSerializer(_Bilingual):
    file = serializers.FileField()


class ItemAnswerSerializer(serializers.Serializer):
    code = serializers.CharField(allow_blank=True)
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    recognised = serializers.BooleanField()
    validity_days = serializers.IntegerField(allow_null=True)
    valid_through = serializers.DateField(allow_null=True)
    reasons = ReasonSerializer(many=True)


class RecognitionAnswerSerializer(serializers.Serializer):
    recognised = serializers.BooleanField()
    study_date = serializers.DateField(allow_null=True)
    study = serializers.DictField(allow_null=True, help_text="study_instance_uid, accession_number, modality, body_part, study_description")
    device = serializers.DictField(allow_null=True, help_text="id, name, modality, manufacturer, model, institution")
    status = serializers.CharField(allow_null=True, help_text="the device's state on the study date (state history)")
    status_zh = serializers.CharField(allow_blank=True)
    decision = DecisionBriefSerializer(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    items = ItemAnswerSerializer(many=True)
    mark = serializers.CharField(allow_null=True, help_text="the HR mark of the issuing hospital")
    verification_code = serializers.CharField(allow_null=True)
    verification_url = serializers.CharField(allow_null=True, help_text="public page, no login")
    reasons = ReasonSerializer(many=True)
    reason_zh = serializers.CharField(allow_blank=True)
    reason_en = serializers.CharField(allow_blank=True)


def _refuse(user, kind, asked, e: R.RecognitionInputError):
    R.log_query(user, kind, asked, error=e)
    raise ValidationError({e.field: [e.message]})


def _kind(data: dict) -> str:
    if data.get("study_instance_uid"):
        return "study_uid"
    if data.get("accession_number"):
        return "accession"
    if data.get("modality") or data.get("body_part"):
        return "header"
    return "device_date"


_STUDY_KEYS = frozenset(("study_instance_uid", "accession_number"))


def _by_study(params) -> dict | None:
    """The question by Study UID and/or accession alone (what hospital systems ask many
    times a second), read as the input serializer would read it, without building one;
    ``None`` for every other question (the serializer reads it)."""
    if not params or not _STUDY_KEYS.issuperset(params.keys()):
        return None
    out = {}
    for k in params:
        values = params.getlist(k)
        v = values[-1].strip() if values else ""
        if not v or len(v) > 200 or "\x00" in v:
            return None
        out[k] = v
    return out


class RecognitionView(APIView):
    """May a study's result be accepted? Ask by ``study_instance_uid`` or ``accession_number``
    (studies huren received), by device (id or DICOM identity) and ``study_date`` (optionally
    with ``modality``/``body_part`` for per-item answers), or POST a DICOM file (read, never
    stored). Asked across hospitals; the answer reveals what the public verification page
    reveals. Every question is logged, refused ones too (``/api/recognition-queries/``)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(parameters=[RecognitionInputSerializer], responses=RecognitionAnswerSerializer)
    def get(self, request):
        raw = {k: v for k, v in request.query_params.items()}
        data = _by_study(request.query_params)
        if data is None:
            inp = RecognitionInputSerializer(data=request.query_params)
            if not inp.is_valid():
                R.log_query(request.user, _kind(raw), raw, error=R.RecognitionInputError(
                    "query", "问题格式不正确", "the question is malformed"))
                raise ValidationError(inp.errors)
            data = dict(inp.validated_data)
        kind = _kind(data)
        try:
            if kind in ("study_uid", "accession"):
                ans = R.recognise_study(study_instance_uid=data.get("study_instance_uid"),
                                        accession_number=data.get("accession_number"))
            else:
                if "study_date" not in data:
                    raise R.RecognitionInputError("study_date", "缺少检查日期", "the study date is missing")
                device = None
                if "device" in data:
                    device = Device.objects.filter(pk=data.pop("device")).select_related("department__institution").first()
                    if device is None:
                        R.log_query(request.user, kind, raw, error=R.RecognitionInputError("device", "未找到设备", "no such device"))
                        raise NotFound("未找到设备 / no such device")
                ans = R.recognise(device=device, **data)
        except R.RecognitionInputError as e:
            _refuse(request.user, kind, raw, e)
        R.log_query(request.user, kind, {**raw, "study_date": ans.study_date}, ans)
        return Response(ans.to_dict())

    @extend_schema(request={"multipart/form-data": RecognitionFileSerializer}, responses=RecognitionAnswerSerializer)
    def post(self, request):
        up = request.FILES.get("file")
        if up is None:
            _refuse(request.user, "file", {}, R.RecognitionInputError("file", "请上传一个 DICOM 文件（字段 file）",
                                                                       "upload one DICOM file (field 'file')"))
        too_big = check_size(up.size, settings.HUREN_MAX_UPLOAD_BYTES)
        if too_big:
            zh, en = too_big.split(" / ", 1)
            _refuse(request.user, "file", {"file": up.name}, R.RecognitionInputError("file", zh, en))
        data = up.read()
        try:
            ans, fields = R.recognise_file(up.name, data)
        except R.RecognitionInputError as e:
            _refuse(request.user, "file", {"file": up.name}, e)
        R.log_query(request.user, "file", {"file": up.name, **fields}, ans)
        return Response(ans.to_dict())


class ClinicianDecisionSerializer(serializers.ModelSerializer):
    reason_code = serializers.SlugRelatedField(source="reason", slug_field="code", queryset=ReExamReason.objects.filter(active=True),
                                               required=False, allow_null=True)

    class Meta:
        model = ClinicianDecision
        fields = ["id", "institution", "decided_by", "decided_at", "study_instance_uid", "accession_number", "origin",
                  "device", "exam_code", "recognised", "accepted", "reason_code", "note"]
        read_only_fields = ["id", "institution", "decided_by", "decided_at", "origin", "device", "recognised"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)


DECIDERS = (CLINICIAN, HOSPITAL_MANAGER, TECHNOLOGIST, QC_ADMIN)


class ClinicianDecisionViewSet(ScopedViewSet):
    """Receiving doctors' decisions: a hospital sees its own; the QC centre sees all under it.
    POST records one (the recognition answer is asked again and kept with it)."""

    model = ClinicianDecision
    queryset = ClinicianDecision.objects.none()
    serializer_class = ClinicianDecisionSerializer
    write_roles = DECIDERS
    http_method_names = ["get", "post", "head", "options"]
    filters = {"accepted": "accepted", "exam_code": "exam_code", "origin": "origin_id"}

    def perform_create(self, serializer):
        from huren.recognition.decisions import record

        v = serializer.validated_data
        try:
            obj = record(self.request.user, study_instance_uid=v.get("study_instance_uid", ""),
                         accession_number=v.get("accession_number", ""), accepted=v["accepted"],
                         reason=v.get("reason"), note=v.get("note", ""), exam_code=v.get("exam_code", ""))
        except R.RecognitionInputError as e:
            raise ValidationError({e.field: [e.message]}) from None
        except DjangoValidationError as e:
            raise ValidationError(e.message_dict) from None
        except DjangoPermissionDenied as e:
            raise PermissionDenied(str(e)) from None
        serializer.instance = obj


class QualificationActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualificationAction
        fields = ["id", "device", "action", "reason", "by", "at"]
        read_only_fields = ["id", "by", "at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            bilingual_messages(f)


class QualificationActionViewSet(ScopedViewSet):
    """The QC centre's suspensions, reinstatements and revocations (and devices leaving or
    returning to service). POST: an evaluator acts on a device in scope, with a reason."""

    model = QualificationAction
    queryset = QualificationAction.objects.none()
    serializer_class = QualificationActionSerializer
    write_roles = (EVALUATOR,)
    http_method_names = ["get", "post", "head", "options"]
    filters = {"device": "device_id", "action": "action"}

    def perform_create(self, serializer):
        from huren.recognition.actions import act

        v = serializer.validated_data
        device = Device.objects.for_user(self.request.user).filter(pk=v["device"].pk).first()
        if device is None:
            raise ValidationError({"device": ["未找到设备 / no such device"]})
        try:
            serializer.instance = act(device, self.request.user, v["action"], v.get("reason", ""))
        except DjangoValidationError as e:
            raise ValidationError(e.message_dict) from None
        except DjangoPermissionDenied as e:
            raise PermissionDenied(str(e)) from None


class ReExamReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReExamReason
        fields = ["code", "label_zh", "label_en", "active", "order"]


class ReExamReasonViewSet(viewsets.ReadOnlyModelViewSet):
    """The legitimate reasons to repeat an examination (shared reference data; edited by
    the QC centre on the web or in the admin)."""

    scoped = False
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ReExamReasonSerializer
    lookup_field = "code"

    def get_queryset(self):
        from huren.recognition.reasons import active_reasons

        active_reasons()
        return ReExamReason.objects.all()


class AcceptanceRatesView(APIView):
    """Acceptance rates of the receiving doctors' decisions in scope, by originating
    hospital, examination item and reason."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from huren.recognition.decisions import acceptance_rates

        return Response(acceptance_rates(ClinicianDecision.objects.for_user(request.user)))
