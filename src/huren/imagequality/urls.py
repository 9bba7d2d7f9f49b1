from django.urls import path

from huren.imagequality import views_studies

app_name = "imagequality"

urlpatterns = [
    path("", views_studies.study_list, name="studies"),
    path("<int:pk>/", views_studies.study_detail, name="study"),
    path("<int:pk>/retry/", views_studies.study_retry, name="study_retry"),
]
