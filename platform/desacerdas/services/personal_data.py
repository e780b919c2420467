"""Personal data: masking, the access log, a resident's own download (filled by the personal-data work)."""
