"""API views. Every model view lists through ``Model.objects.for_user(request.user)``
(:mod:`huren.accounts.scope`): a record outside the user's scope is neither listed nor
found (404). Writes need a role (``write_roles``); workflow steps check theirs in
:mod:`huren.assessment.workflow`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import FileResponse
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.views import APIView

from huren.accounts.models import AuditEntry
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, TECHNOLOGIST, has_role
from huren.api import serializers as S
from huren.assessment import workflow
from huren.assessment.models import Assessment, Decision
from huren.assessment.status import STATUS_ZH, device_status
from huren.assessment.verdicts import current_catalog, device_verdicts, summary
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, EvidenceImmutable, Measurement
from huren.evidence.validation import check_size
from huren.recognition.models import RecognitionQuery
from huren.registry.models import (
    Accessory, Coil, Department, Device, Institution, ProtectiveEquipment, Room, ShieldingMeasurement,
)

ALL_ROLES = (QC_ADMIN, EVALUATOR, HOSPITAL_MANAGER, TECHNOLOGIST)
REGISTRY_WRITERS = (QC_ADMIN, HOSPITAL_MANAGER)


class RolePermission(permissions.BasePermission):
    """Reading needs a login; writing needs one of the view's ``write_roles``."""

    message = "无权执行此操作 / not allowed"

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return has_role(request.user, *getattr(view, "write_roles", ()))


class ScopedViewSet(viewsets.ModelViewSet):
    """A model view set whose queryset is the user's scope, with simple query filters
    (``?device=3&modality=CT``: each name in ``filters`` maps to an ORM lookup)."""

    model = None
    write_roles: tuple[str, ...] = REGISTRY_WRITERS
    filters: dict[str, str] = {}
    permission_classes = [RolePermission]
    scoped = True

    def get_queryset(self):
        qs = self.model.objects.for_user(self.request.user)
        for param, lookup in self.filters.items():
            value = self.request.query_params.get(param)
            if value not in (None, ""):
                try:
                    qs = qs.filter(**{lookup: value})
                except (ValueError, TypeError, DjangoValidationError):
                    raise ValidationError({param: ["无效的筛选值 / invalid filter value"]}) from None
        return qs


class InstitutionViewSet(ScopedViewSet):
    model = Institution
    queryset = Institution.objects.none()
    serializer_class = S.InstitutionSerializer
    write_roles = (QC_ADMIN,)
    filters = {"kind": "kind", "parent": "parent_id"}


class DepartmentViewSet(ScopedViewSet):
    model = Department
    queryset = Department.objects.none()
    serializer_class = S.DepartmentSerializer
    filters = {"institution": "institution_id"}


class RoomViewSet(ScopedViewSet):
    model = Room
    queryset = Room.objects.none()
    serializer_class = S.RoomSerializer
    filters = {"department": "department_id", "kind": "kind"}


class DeviceViewSet(ScopedViewSet):
    model = Device
    queryset = Device.objects.none()
    serializer_class = S.DeviceSerializer
    filters = {"department": "department_id", "institution": "department__institution_id", "modality": "modality",
               "station_name": "station_name__iexact", "device_serial_number": "device_serial_number__iexact",
               "ae_title": "ae_title__iexact"}

    def get_queryset(self):
        return super().get_queryset().select_related("department__institution")

    def _on(self, request) -> dt.date:
        raw = request.query_params.get("on")
        if not raw:
            return timezone.localdate()
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError({"on": ["日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"]}) from None
        if day > timezone.localdate():
            raise ValidationError({"on": ["日期不能在将来 / the date cannot be in the future"]})
        return day

    @extend_schema(parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="day of judgement (today)")],
                   responses=S.DeviceVerdictsSerializer)
    @action(detail=True, methods=["get"])
    def verdicts(self, request, pk=None):
        """Every catalog item of the device's modality with its derived verdict and reasons."""
        device = self.get_object()
        catalog = current_catalog()
        vs = device_verdicts(device, on=self._on(request), catalog=catalog)
        return Response({"device": device.pk, "catalog_key": catalog.key, "on": self._on(request).isoformat(),
                         "summary": summary(vs), "items": [v.to_dict() for v in vs]})

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=list(STATUS_ZH)),
                               OpenApiParameter("on", OpenApiTypes.DATE, description="day (today)")],
                   responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def statuses(self, request):
        """Every device in scope with its qualification status (the list of recognised
        devices, when filtered with ``?status=qualified``)."""
        on = self._on(request)
        wanted = request.query_params.get("status")
        if wanted and wanted not in STATUS_ZH:
            raise ValidationError({"status": [f"须为 {', '.join(STATUS_ZH)} 之一 / must be one of {', '.join(STATUS_ZH)}"]})
        rows = []
        for d in self.filter_queryset(self.get_queryset()):
            st = device_status(d, on=on).to_dict()
            if wanted and st["status"] != wanted:
                continue
            rows.append({"device": d.pk, "name": d.name, "modality": d.modality, "institution": d.department.institution.name,
                         "institution_id": d.department.institution_id, "status": st["status"],
                         "valid_until": (st["decision"] or {}).get("valid_until"), "items_at_risk": st["items_at_risk"]})
        return Response({"on": on.isoformat(), "count": len(rows), "results": rows})

    @extend_schema(parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="day (today)")],
                   responses=S.DeviceStatusSerializer)
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        """Qualification status: qualified, at_risk, not_qualified or never_assessed, with reasons."""
        device = self.get_object()
        return Response({"device": device.pk} | device_status(device, on=self._on(request)).to_dict())


class CoilViewSet(ScopedViewSet):
    model = Coil
    queryset = Coil.objects.none()
    serializer_class = S.CoilSerializer
    filters = {"device": "device_id"}


class AccessoryViewSet(ScopedViewSet):
    model = Accessory
    queryset = Accessory.objects.none()
    serializer_class = S.AccessorySerializer
    filters = {"department": "department_id", "device": "device_id", "kind": "kind"}


class ProtectiveEquipmentViewSet(ScopedViewSet):
    model = ProtectiveEquipment
    queryset = ProtectiveEquipment.objects.none()
    serializer_class = S.ProtectiveEquipmentSerializer
    filters = {"department": "department_id", "kind": "kind"}


class ShieldingViewSet(ScopedViewSet):
    model = ShieldingMeasurement
    queryset = ShieldingMeasurement.objects.none()
    serializer_class = S.ShieldingMeasurementSerializer
    filters = {"room": "room_id"}


class EvidenceViewSet(ScopedViewSet):
    """Evidence is created and read, never changed or deleted: a correction is a new record
    with ``supersedes``. ``?current=1`` leaves out superseded records."""

    write_roles = ALL_ROLES
    http_method_names = ["get", "post", "head", "options"]
    filters = {"device": "device_id", "department": "department_id", "since": "performed_on__gte",
               "until": "performed_on__lte"}

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method, detail=str(EvidenceImmutable()))

    def get_queryset(self):
        qs = super().get_queryset().select_related("recorded_by", "superseded_by", "device")
        if self.request.query_params.get("current") in ("1", "true", "yes"):
            qs = qs.current()
        return qs


class MeasurementViewSet(EvidenceViewSet):
    model = Measurement
    queryset = Measurement.objects.none()
    serializer_class = S.MeasurementSerializer
    filters = EvidenceViewSet.filters | {"item": "item", "metric": "metric"}


class DailyLogViewSet(EvidenceViewSet):
    model = DailyLog
    queryset = DailyLog.objects.none()
    serializer_class = S.DailyLogSerializer


class UploadLimitMixin:
    def create(self, request, *args, **kwargs):
        # refuse an oversized body before it is parsed (the serializer checks each file too)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.HUREN_MAX_UPLOAD_BYTES
        if length > limit + 64 * 1024:
            return Response({"file": [check_size(length, limit)]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        return super().create(request, *args, **kwargs)


class DownloadMixin:
    """``<id>/download/``: the stored file of a record the user may see, under its original
    name (the stored name is generated and never shown)."""

    file_field = "file"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        obj = self.get_object()
        f = getattr(obj, self.file_field)
        if not f:
            raise NotFound("没有文件 / no file")
        name = getattr(obj, "original_name", "") or f.name.rsplit("/", 1)[-1]
        return FileResponse(f.open("rb"), as_attachment=True, filename=name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])


class ChecklistAnswerViewSet(DownloadMixin, UploadLimitMixin, EvidenceViewSet):
    model = ChecklistAnswer
    file_field = "attachment"
    queryset = ChecklistAnswer.objects.none()
    serializer_class = S.ChecklistAnswerSerializer
    filters = EvidenceViewSet.filters | {"item": "item"}


class DocumentViewSet(DownloadMixin, UploadLimitMixin, EvidenceViewSet):
    model = Document
    queryset = Document.objects.none()
    serializer_class = S.DocumentSerializer
    filters = EvidenceViewSet.filters | {"kind": "kind"}


class AssessmentViewSet(ScopedViewSet):
    """Create (a draft with today's verdicts), submit, review, override, decide."""

    model = Assessment
    queryset = Assessment.objects.none()
    serializer_class = S.AssessmentSerializer
    write_roles = (QC_ADMIN, EVALUATOR, HOSPITAL_MANAGER)
    http_method_names = ["get", "post", "head", "options"]
    filters = {"device": "device_id", "state": "state"}

    def get_queryset(self):
        return super().get_queryset().select_related("created_by", "submitted_by").prefetch_related("reviews__reviewer")

    def perform_create(self, serializer):
        a = workflow.create(serializer.validated_data["device"], self.request.user,
                            note=serializer.validated_data.get("note", ""))
        serializer.instance = a

    def _done(self, a):
        a.refresh_from_db()
        return Response(S.AssessmentSerializer(a, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=S.AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Freeze the verdicts (recomputed now) and send the assessment to the QC centre."""
        return self._done(workflow.submit(self.get_object(), request.user))

    @extend_schema(request=S.ReviewInputSerializer, responses=S.ItemReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """An evaluator accepts an item's verdict, or overrides it with a reason."""
        return self._review(request, S.ReviewInputSerializer)

    @extend_schema(request=S.OverrideInputSerializer, responses=S.ItemReviewSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """An evaluator overrides an item's verdict; the written reason is required."""
        return self._review(request, S.OverrideInputSerializer)

    def _review(self, request, input_class):
        a = self.get_object()
        inp = input_class(data=request.data)
        inp.is_valid(raise_exception=True)
        r = workflow.review(a, request.user, inp.validated_data["item"], verdict=inp.validated_data.get("verdict"),
                            reason=inp.validated_data.get("reason", ""))
        return Response(S.ItemReviewSerializer(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=S.ItemReviewSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="accept-remaining")
    def accept_remaining(self, request, pk=None):
        """An evaluator accepts the derived verdict of every item not yet reviewed."""
        reviews = workflow.accept_remaining(self.get_object(), request.user)
        return Response(S.ItemReviewSerializer(reviews, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=S.DecideInputSerializer, responses=S.DecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """An evaluator decides: qualified, rectify or not_qualified."""
        a = self.get_object()
        inp = S.DecideInputSerializer(data=request.data)
        inp.is_valid(raise_exception=True)
        d = workflow.decide(a, request.user, **inp.validated_data)
        return Response(S.DecisionSerializer(d).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def final(self, request, pk=None):
        """The snapshot with the evaluator's reviews applied."""
        return Response(workflow.final_verdicts(self.get_object()))


class ReadOnlyScopedViewSet(ScopedViewSet):
    http_method_names = ["get", "head", "options"]
    write_roles = ()


class DecisionViewSet(ReadOnlyScopedViewSet):
    model = Decision
    queryset = Decision.objects.none()
    serializer_class = S.DecisionSerializer
    filters = {"device": "device_id", "outcome": "outcome"}


class AuditEntryViewSet(ReadOnlyScopedViewSet):
    model = AuditEntry
    queryset = AuditEntry.objects.none()
    serializer_class = S.AuditEntrySerializer
    filters = {"model": "model", "object_id": "object_id", "username": "username"}


class RecognitionQueryViewSet(ReadOnlyScopedViewSet):
    model = RecognitionQuery
    queryset = RecognitionQuery.objects.none()
    serializer_class = S.RecognitionQuerySerializer


class CatalogViewSet(viewsets.ViewSet):
    """The standard in force, read from its catalog file (not scoped: the standard is public)."""

    permission_classes = [permissions.IsAuthenticated]
    scoped = False
    lookup_value_regex = r"[A-Za-z0-9_.-]+"

    @extend_schema(parameters=[OpenApiParameter("modality", str, enum=["DR", "CT", "MR"])], responses=OpenApiTypes.OBJECT)
    def list(self, request):
        catalog = current_catalog()
        modality = request.query_params.get("modality")
        items = catalog.for_modality(modality) if modality else list(catalog.items.values())
        return Response({"id": catalog.id, "version": catalog.version, "key": catalog.key, "title_zh": catalog.title_zh,
                         "title_en": catalog.title_en, "issued_by": catalog.issued_by,
                         "items": [i.to_dict() for i in items]})

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="catalog_item_retrieve")
    def retrieve(self, request, pk=None):
        catalog = current_catalog()
        if pk not in catalog:
            raise NotFound(f"标准中没有条目 {pk} / no item {pk} in the standard")
        return Response(catalog[pk].to_dict())


class MeView(APIView):
    """The logged-in user: name, roles and institution."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(S.MeSerializer.describe(request.user))


class TokenView(ObtainAuthToken):
    """Exchange a user name and password for an API token (login throttling applies)."""

    serializer_class = S.TokenSerializer
