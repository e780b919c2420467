"""The catalogue: products with small photos, and what the public market shows of them."""
