"""Smart mobility (Mobilitas Cerdas): the Desa Cerdas mobility pillar, a built-in plugin."""
