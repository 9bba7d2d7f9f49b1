from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from huren.web.views import assessment, device, dicom, home, people

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("password/", auth_views.PasswordChangeView.as_view(
        template_name="web/password_change.html", success_url=reverse_lazy("web:password_changed")),
        name="password_change"),
    path("password/changed/", auth_views.PasswordChangeDoneView.as_view(template_name="web/password_changed.html"),
         name="password_changed"),
    path("qc/", home.qc_overview, name="qc_overview"),
    path("people/", people.people, name="people"),
    path("devices/<int:pk>/", device.device_page, name="device"),
    path("devices/<int:pk>/items/<str:item>/", device.item_page, name="device_item"),
    path("devices/<int:pk>/history/", device.device_history, name="device_history"),
    path("devices/<int:pk>/log/", device.record_log, name="record_log"),
    path("devices/<int:pk>/measurement/", device.record_measurement, name="record_measurement"),
    path("devices/<int:pk>/checklist/", device.record_checklist, name="record_checklist"),
    path("devices/<int:pk>/document/", device.record_document, name="record_document"),
    path("evidence/<str:kind>/<int:pk>/file/", device.evidence_file, name="evidence_file"),
    path("assessments/", assessment.assessment_list, name="assessment_list"),
    path("devices/<int:pk>/assess/", assessment.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", assessment.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/submit/", assessment.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/review/", assessment.assessment_review, name="assessment_review"),
    path("assessments/<int:pk>/decide/", assessment.assessment_decide, name="assessment_decide"),
    path("dicom/", dicom.dicom_list, name="dicom_list"),
    path("dicom/upload/", dicom.dicom_upload, name="dicom_upload"),
    path("dicom/series/<int:pk>/", dicom.dicom_series, name="dicom_series"),
    path("dicom/series/<int:pk>/analyse/", dicom.dicom_retry, name="dicom_retry"),
    path("dicom/series/<int:pk>/assign/", dicom.dicom_assign, name="dicom_assign"),
]
