"""Web pages. Thin: each view picks records through the platform's scope helpers
(``for_user``), calls a service, and renders. No threshold, formula or DICOM parsing here."""
