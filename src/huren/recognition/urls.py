"""Recognition pages; included from huren.site.urls. ``/v/<code>`` is the short public URL."""

from django.urls import path

from huren.recognition import views

app_name = "recognition"

urlpatterns = [
    path("recognition/", views.desk, name="desk"),
    path("recognition/decide/", views.decide, name="decide"),
    path("recognition/explain/<int:pk>/", views.explain, name="explain"),
    path("recognition/rates/", views.rates, name="rates"),
    path("recognition/reasons/", views.reasons_page, name="reasons"),
    path("recognition/devices/<int:pk>/action/", views.device_action, name="device_action"),
    path("recognition/qualified/", views.published, name="published"),
    path("v/<str:code>", views.verify, name="verify"),
    path("v/<str:code>/qr.<str:fmt>", views.verify_qr, name="verify_qr"),
]
