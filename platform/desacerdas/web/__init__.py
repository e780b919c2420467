"""The web shell: layout, languages, error pages, tenant resolution."""
