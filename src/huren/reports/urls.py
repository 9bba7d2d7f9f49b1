from django.urls import path

from huren.reports import views

app_name = "reports"

urlpatterns = [
    path("assessments/<int:pk>/report.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("decisions/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("runs/<int:pk>/qc.pdf", views.run_pdf, name="run_pdf"),
    path("devices/<int:pk>/evidence.xlsx", views.device_evidence_xlsx, name="device_evidence_xlsx"),
    path("devices/<int:pk>/charts/", views.device_charts_page, name="device_charts"),
    path("institutions/<int:pk>/status.xlsx", views.institution_xlsx, name="institution_xlsx"),
    path("overview.xlsx", views.overview_xlsx, name="overview_xlsx"),
    path("qualified.xlsx", views.qualified_xlsx, name="qualified_xlsx"),
    path("reminders/", views.reminders_page, name="reminders"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
