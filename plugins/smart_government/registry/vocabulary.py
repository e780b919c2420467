"""The words SIAK and the registry's forms offer for a resident's religion, marital status,
relationship to the family head, education and blood type.
"""

from __future__ import annotations

# Common values (SIAK wording) offered by forms and used by demo data; imports may bring others.
RELIGIONS = ("Hindu", "Islam", "Kristen", "Katolik", "Buddha", "Khonghucu", "Kepercayaan")
MARITAL_STATUSES = ("Belum kawin", "Kawin", "Cerai hidup", "Cerai mati")
RELATIONSHIPS = (
    "Kepala keluarga",
    "Suami",
    "Istri",
    "Anak",
    "Menantu",
    "Cucu",
    "Orang tua",
    "Mertua",
    "Lainnya",
)
EDUCATION_LEVELS = (
    "Tidak/belum sekolah",
    "Belum tamat SD",
    "Tamat SD",
    "SLTP",
    "SLTA",
    "Diploma I/II",
    "Diploma III",
    "Diploma IV/S1",
    "S2",
    "S3",
)
BLOOD_TYPES = ("A", "B", "AB", "O")
