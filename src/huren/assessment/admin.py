"""Assessments, reviews and decisions in the admin: read-only (the workflow writes them)."""

from django.contrib import admin

from huren.accounts.admin_base import ReadOnlyAdmin, ScopedAdmin  # noqa: F401  (others import ReadOnlyAdmin from here)
from huren.assessment import models as m


@admin.register(m.Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["device", "state", "catalog_key", "as_of", "created_by", "submitted_at"]
    list_filter = ["state"]


@admin.register(m.ItemReview)
class ItemReviewAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "item", "derived_verdict", "verdict", "reviewer", "reviewed_at"]


@admin.register(m.Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["device", "outcome", "decided_by", "decided_at", "valid_until", "catalog_key"]
    list_filter = ["outcome"]
