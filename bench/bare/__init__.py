"""Bare baselines the benchmarks start beside the platform (plain Flask, nothing of Desa Cerdas)."""
