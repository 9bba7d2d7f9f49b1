from django.urls import path

from . import views

app_name = "dicomnode"
urlpatterns = [
    path("series/<int:pk>/answer/", views.held_answer, name="held_answer"),
    path("series/<int:pk>/kerma/", views.series_kerma, name="series_kerma"),
    path("uploads/<int:pk>/", views.upload_batch, name="upload_batch"),
    path("runs/<int:pk>/pictures/<str:name>", views.run_picture, name="run_picture"),
]
