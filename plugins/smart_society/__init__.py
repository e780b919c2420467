"""Smart society (Masyarakat Sosial Cerdas): the Desa Cerdas society pillar, a built-in plugin."""
