from django.urls import path

from . import views_scoring

urlpatterns = [
    path("tasks/", views_scoring.tasks, name="iq-tasks"),
    path("sheets/<int:pk>/", views_scoring.sheet, name="iq-sheet"),
    path("sampling/<int:rule_id>/draw/", views_scoring.draw, name="iq-draw"),
    path("images/<int:series_id>.png", views_scoring.image, name="iq-image"),
]
