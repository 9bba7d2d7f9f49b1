"""Reports: PDF documents (assessment report, certificate, device QC report), XLSX exports,
trend and control charts, reminders, the daily digest and in-app notifications.

The PDF builder (:mod:`huren.reports.pdf`) and the control-chart rules (:mod:`huren.reports.spc`)
are pure Python (no Django), so ``huren analyze --pdf`` needs no database.
"""
