from django.urls import path

from . import views_admin, views_scoring

urlpatterns = [
    path("tasks/", views_scoring.tasks, name="iq-tasks"),
    path("sheets/<int:pk>/", views_scoring.sheet, name="iq-sheet"),
    path("sampling/", views_admin.sampling_rules, name="iq-sampling"),
    path("sampling/<int:pk>/", views_admin.sampling_rule_edit, name="iq-sampling-edit"),
    path("sampling/<int:rule_id>/draw/", views_scoring.draw, name="iq-draw"),
    path("images/<int:series_id>.png", views_scoring.image, name="iq-image"),
    path("rules/", views_admin.rules_page, name="iq-rules"),
    path("rules/<int:pk>.toml", views_admin.rules_text, name="iq-rules-text"),
]
