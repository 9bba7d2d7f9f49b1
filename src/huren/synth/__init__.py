"""Synthetic phantoms with known ground truth, for tests, benchmarks and demos."""
