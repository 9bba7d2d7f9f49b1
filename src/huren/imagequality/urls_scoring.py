from django.urls import path

from . import views_scoring

urlpatterns = [
    path("tasks/", views_scoring.tasks, name="iq-tasks"),
    path("sheets/<int:pk>/", views_scoring.sheet, name="iq-sheet"),
    path("sampling/<int:rule_id>/draw/", views_scoring.draw, name="iq-draw"),
]
