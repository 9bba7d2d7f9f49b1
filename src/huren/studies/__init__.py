"""The study registry: every examination that reaches huren, filed as a study.

A study is what a receiving doctor asks about ("may I accept this examination?") and what
the clinical image-quality checks judge. It is filed object by object as DICOM arrives
(:mod:`huren.studies.intake`, called from the node's one storage path) and holds the
study's identity, dates, body part, descriptions and counts, and the device it came from.
The patient's name and ID are never stored in clear: only as keyed hashes
(:mod:`huren.studies.keys`), so a study can be found by a patient ID without huren holding
a patient register.
"""
