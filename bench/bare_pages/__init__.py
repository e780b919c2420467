"""Baselines and set-up shared by the page benchmarks (``bench/page_list.py``, ``bench/scale_flat.py``)."""
