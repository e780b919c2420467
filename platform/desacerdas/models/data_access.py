"""Who looked at a village's personal data, and why (issue 11; filled by the personal-data work)."""
