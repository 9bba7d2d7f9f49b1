"""The API's URLs, mounted at ``/api/``. Schema at ``/api/schema/``, docs at ``/api/docs/``."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from huren.api import views as V
from huren.imagequality import api as IQ
from huren.recognition import api as RA

router = DefaultRouter()
router.register("institutions", V.InstitutionViewSet, basename="institution")
router.register("departments", V.DepartmentViewSet, basename="department")
router.register("rooms", V.RoomViewSet, basename="room")
router.register("devices", V.DeviceViewSet, basename="device")
router.register("coils", V.CoilViewSet, basename="coil")
router.register("accessories", V.AccessoryViewSet, basename="accessory")
router.register("ppe", V.ProtectiveEquipmentViewSet, basename="ppe")
router.register("shielding", V.ShieldingViewSet, basename="shielding")
router.register("measurements", V.MeasurementViewSet, basename="measurement")
router.register("logs", V.DailyLogViewSet, basename="log")
router.register("checklists", V.ChecklistAnswerViewSet, basename="checklist")
router.register("documents", V.DocumentViewSet, basename="document")
router.register("assessments", V.AssessmentViewSet, basename="assessment")
router.register("decisions", V.DecisionViewSet, basename="decision")
router.register("audit", V.AuditEntryViewSet, basename="audit")
router.register("recognition-queries", V.RecognitionQueryViewSet, basename="recognitionquery")
router.register("catalog", V.CatalogViewSet, basename="catalog")
router.register("recognition-decisions", RA.ClinicianDecisionViewSet, basename="cliniciandecision")
router.register("qualification-actions", RA.QualificationActionViewSet, basename="qualificationaction")
router.register("reexam-reasons", RA.ReExamReasonViewSet, basename="reexamreason")
router.register("studies", IQ.StudyViewSet, basename="study")
router.register("iq-evaluations", IQ.EvaluationViewSet, basename="iqevaluation")

app_name = "api"
urlpatterns = [
    path("recognition/", RA.RecognitionView.as_view(), name="recognition"),  # first: the most asked
    path("", include(router.urls)),
    path("recognition/rates/", RA.AcceptanceRatesView.as_view(), name="recognition-rates"),
    path("me/", V.MeView.as_view(), name="me"),
    path("token/", V.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
