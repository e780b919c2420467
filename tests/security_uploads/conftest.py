"""Generated hostile files (pixel bombs, huge sheets) and a village with the pillar enabled."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from desacerdas.services import rollout
from desacerdas.services import tenants as tenant_svc


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int, bit_depth: int = 1, color_type: int = 0) -> bytes:
    """A valid PNG of ``width × height`` zero pixels (1-bit grey by default), a few KB on disk,
    compressed row by row so making it costs no memory."""
    row = b"\x00" + b"\x00" * ((width * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    extra = _chunk(b"PLTE", b"\x00\x00\x00") if color_type == 3 else b""
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + extra + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def picture(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB", exif: bytes | None = None) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    if exif is not None:
        image.save(out, fmt, exif=exif)
    else:
        image.save(out, fmt)
    return out.getvalue()


def exif_with_gps_and_rotation() -> bytes:
    """EXIF saying "rotate 90°" (orientation 6) with a GPS position."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "S", 2: (8.0, 30.0, 0.0), 3: "E", 4: (115.0, 30.0, 0.0)}  # GPS IFD
    return exif.tobytes()


HEADER = ["kk_number", "nik", "name", "birth_date", "sex", "hamlet"]


def huge_xlsx(rows: int) -> bytes:
    """An XLSX with ``rows`` data rows, written as sheet XML straight into the ZIP (openpyxl would
    take minutes): about 700 KB for a million rows."""
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(f"<row>{cells}</row>".encode())
            line = b"<row><c><v>1</v></c></row>"
            block = line * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(line * (rows % 10_000))
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def csv_rows(rows: int) -> bytes:
    line = "5107010101200009,5107011705800001,I Wayan,1980-05-17,L,Kaja\n"
    return (",".join(HEADER) + "\n" + line * rows).encode()


@pytest.fixture
def village(app, menanga):  # noqa: ANN001, ANN201
    with app.app_context():
        tenant = menanga.tenant()
        tenant_svc.add_hamlet(tenant, "Kaja")
        rollout.enable(tenant, "smart_government", override_reason="test")
    return menanga
