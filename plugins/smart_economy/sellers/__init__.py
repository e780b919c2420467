"""Sellers of the village market: residents' businesses (UMKM) and BUMDes units."""
