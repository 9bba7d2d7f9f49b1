"""DICOM intake: a Storage SCP and an upload path that write every object to disk
before acknowledging it, record it, match it to a registered device, and queue the
phantom analysis of a finished QC series through Django's Tasks API."""
