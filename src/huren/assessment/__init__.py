"""Verdicts per catalog item, qualification assessments, reviews and decisions."""
