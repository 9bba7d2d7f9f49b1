"""Image quality of clinical studies in service (issue 8): the automatic checks of
:mod:`huren.iq` run in the background on every clinical study the node receives, their
results stored per check, series and study; rules as data the QC centre edits; sampling and
expert score sheets; a key-image viewer; the IQ items' verdicts; pages and API.

Other apps ask :func:`huren.imagequality.services.study_iq_problems`.
"""
