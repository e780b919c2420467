"""Smart people (Masyarakat Cerdas): the Desa Cerdas people pillar, a built-in plugin."""
