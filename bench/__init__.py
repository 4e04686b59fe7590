"""Benchmarks and the plain-Python reference evaluator they measure the engine against."""
