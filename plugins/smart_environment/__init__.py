"""Smart environment (Lingkungan Cerdas): the Desa Cerdas environment pillar, a built-in plugin."""
