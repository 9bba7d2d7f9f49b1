"""Synthetic phantom images with known ground truth, for tests, benchmarks and demos."""
