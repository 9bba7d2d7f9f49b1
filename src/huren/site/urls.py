from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from huren.web.forms_login import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("huren.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("huren.recognition.urls")),
    path("reports/", include("huren.reports.urls")),
    path("studies/", include("huren.imagequality.urls")),
    path("dicom/node/", include("huren.dicomnode.urls")),
    path("iq/", include("huren.imagequality.urls_scoring")),
    path("", include("huren.web.urls")),
]
