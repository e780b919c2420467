"""Smart government (Pemerintahan Cerdas): the Desa Cerdas government pillar, a built-in plugin."""
