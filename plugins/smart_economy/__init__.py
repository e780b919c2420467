"""Smart economy (Ekonomi Cerdas): the Desa Cerdas economy pillar, a built-in plugin."""
