"""Smart society (Sosial Cerdas): the Desa Cerdas society pillar, a built-in plugin."""
