"""Emergency alerts (kentongan digital) and staff warnings to a hamlet or the whole village."""
