"""Import residents and families from CSV or XLSX: always a dry run first, then all-or-nothing.

Two layouts, recognised from the header row (the first non-empty row of the file or first sheet):

**The platform template** (what ``exporting`` writes; header names are case-insensitive)::

    kk_number, nik, name, birth_place, birth_date, sex, religion, marital_status,
    relationship_to_head, education, occupation, citizenship, blood_type, hamlet, address, phone,
    father_name, father_nik, mother_name, mother_nik

``nik``, ``name``, ``birth_date`` and ``sex`` are required columns; the others may be left out.
``birth_date`` is ``YYYY-MM-DD`` (``DD-MM-YYYY`` and spreadsheet dates work too); ``sex`` is ``L``/``P``
(or male/female); ``hamlet`` is the name (or code) of one of the village's hamlets; ``kk_number``
groups residents into families (the family's hamlet and address come from its first row).

**The SIAK export** (the national civil registry): ``NO_KK, NIK, NAMA_LGKP, TMPT_LHR, TGL_LHR,
JENIS_KLMIN, AGAMA, STATUS_KAWIN, STAT_HBKEL, PENDIDIKAN (or PDDK_AKH), PEKERJAAN (or JENIS_PKRJN),
NAMA_LGKP_AYAH, NIK_AYAH, NAMA_LGKP_IBU, NIK_IBU, GOL_DARAH, ALAMAT, NO_RT, NO_RW, DUSUN``;
``NIK, NAMA_LGKP, TGL_LHR, JENIS_KLMIN`` are required. Upper-case values become the registry's
wording (``BELUM KAWIN`` → ``Belum kawin``); RT/RW are appended to the address. SIAK's numeric codes
(``AGAMA`` 1 = Islam … 7 = Kepercayaan, ``STAT_KWN``, ``STAT_HBKEL``, ``PDDK_AKH``, ``JENIS_PKRJN``,
``GOL_DRH``, ``JENIS_KLMIN``) are read as the wording they stand for, in either layout.

Residents are matched on NIK and families on the KK number: a row equal to what is registered is a
skip, so importing the same file twice changes nothing. Empty cells never erase registered data. A
resident without a NIK cannot be matched and is refused (register them by hand: they get a
temporary number).

**How it runs.** Rows are streamed (CSV as text, XLSX through openpyxl's read-only mode) and handled
in chunks of ``CHUNK_ROWS``: the registered residents of a chunk's NIKs are read with one query, so
memory depends on the chunk, not on the file or the village. The dry run writes nothing. The commit
validates the whole file first (the dry run), then reads it again and writes each chunk with bulk
INSERT/UPDATE statements (families, residents, and one audit event per created or changed record,
as the registry services would add) in one transaction: any problem or failure rolls everything back.

**Where it lives.** ``codes`` (the two layouts and SIAK's codes), ``reader`` (the streamed rows
and the header), ``parser`` (a row into values or problems), ``report`` (what was found or done),
``writer`` (the plan and the bulk commit). The public API is importable from here.
"""

from .codes import SIAK_CODES, SIAK_COLUMNS, TEMPLATE_COLUMNS
from .reader import Source, estimate_rows
from .report import ImportReport, Problem, Totals
from .writer import (
    CHUNK_ROWS,
    MAX_PROBLEMS,
    PARAMETERS_PER_STATEMENT,
    PROGRESS_EVERY,
    Progress,
    _Import,  # noqa: F401 - tests replace its _write to fail half-way
    commit_import,
    plan_import,
)

__all__ = [
    "CHUNK_ROWS",
    "MAX_PROBLEMS",
    "PARAMETERS_PER_STATEMENT",
    "PROGRESS_EVERY",
    "SIAK_CODES",
    "SIAK_COLUMNS",
    "TEMPLATE_COLUMNS",
    "ImportReport",
    "Problem",
    "Progress",
    "Source",
    "Totals",
    "commit_import",
    "estimate_rows",
    "plan_import",
]
