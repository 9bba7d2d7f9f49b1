"""The image-quality API (read-only): studies with their latest evaluation's summary, and
evaluations with their series and checks, each scoped by ``for_user``. Registered on the router
of :mod:`huren.api.urls`."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from huren.api.views import ScopedViewSet
from huren.studies.models import Study

from .models import CheckResult, Evaluation, SeriesResult


class EvaluationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "status", "outcome", "finished_at", "checks_passed", "checks_failed", "checks_not_evaluable",
                  "failed_checks", "body_part", "rules_name", "rules_sha256"]


class StudySerializer(serializers.ModelSerializer):
    latest_evaluation = serializers.SerializerMethodField(help_text="the latest finished (done) evaluation")

    class Meta:
        model = Study
        fields = ["id", "study_instance_uid", "accession_number", "study_date", "modality", "body_part",
                  "study_description", "device", "series_count", "image_count", "last_received_at", "latest_evaluation"]

    @extend_schema_field(EvaluationSummarySerializer(allow_null=True))
    def get_latest_evaluation(self, obj):
        done = getattr(obj, "iq_done", None)
        ev = done[0] if done else None
        return EvaluationSummarySerializer(ev).data if ev else None


class CheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckResult
        fields = ["id", "check_name", "item", "result", "value", "unit", "rule", "series_instance_uid",
                  "series_result", "reason_zh", "reason_en"]


class SeriesResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeriesResult
        fields = ["id", "series_instance_uid", "series_number", "description", "modality", "images", "role", "plane",
                  "weighting", "phase", "outcome"]


class EvaluationSerializer(serializers.ModelSerializer):
    series_results = SeriesResultSerializer(many=True, read_only=True)
    checks = CheckSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "study", "status", "attempt", "retry_of", "queued_at", "started_at", "finished_at", "outcome",
                  "checks_passed", "checks_failed", "checks_not_evaluable", "failed_checks", "images", "body_part",
                  "rules_name", "rules_sha256", "error_zh", "error_en", "series_results", "checks"]


class _ReadOnly(ScopedViewSet):
    http_method_names = ["get", "head", "options"]


class StudyViewSet(_ReadOnly):
    """Studies of the user's scope, each with its latest finished evaluation's summary.
    Filters: ``?device=``, ``?modality=``, ``?body_part=``, ``?since=``/``?until=`` (study date)."""

    model = Study
    queryset = Study.objects.none()
    serializer_class = StudySerializer
    filters = {"device": "device_id", "modality": "modality", "body_part": "body_part__iexact",
               "since": "study_date__gte", "until": "study_date__lte"}

    def get_queryset(self):
        done = Evaluation.objects.filter(status=Evaluation.Status.DONE).order_by("-id")
        return super().get_queryset().prefetch_related(Prefetch("iq_evaluations", queryset=done, to_attr="iq_done"))


class EvaluationViewSet(_ReadOnly):
    """Evaluations of the user's scope with their series and checks. Filters: ``?study=``,
    ``?status=``, ``?outcome=``."""

    model = Evaluation
    queryset = Evaluation.objects.none()
    serializer_class = EvaluationSerializer
    filters = {"study": "study_id", "status": "status", "outcome": "outcome"}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("series_results", "checks")
