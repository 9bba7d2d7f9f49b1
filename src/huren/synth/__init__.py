"""Synthetic phantoms with known ground truth, written as real DICOM, for tests and demos."""
