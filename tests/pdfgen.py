"""Small PDFs written byte by byte for the bad-input tests: text pages, image-only pages, thousands
of pages sharing one content stream, and the standard security handler (RC4, revision 2) with or
without a user password. Nothing is committed: each test writes what it needs into tmp.

Only ASCII text (Helvetica's WinAnsi encoding); enough for PDFium to find a text layer and the
rules to find a percent.
"""
from __future__ import annotations

import hashlib

# PDF 1.7 §7.6.3.3: the padding string of the standard security handler.
PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
FILE_ID = bytes(range(16))
PERMISSIONS = -44   # printing and copying text allowed, editing not


def rc4(key: bytes, data: bytes) -> bytes:
    """RC4, as PDF encryption revision 2 uses it."""
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def padded(password: bytes) -> bytes:
    return (password + PAD)[:32]


def security(user: bytes, owner: bytes) -> tuple[bytes, bytes, bytes]:
    """(O, U, file key) of the standard handler, revision 2 (algorithms 3, 2 and 4 of PDF 1.7 §7.6.3)."""
    o = rc4(hashlib.md5(padded(owner)).digest()[:5], padded(user))
    key = hashlib.md5(padded(user) + o + PERMISSIONS.to_bytes(4, "little", signed=True) + FILE_ID).digest()[:5]
    return o, rc4(key, PAD), key


def object_key(key: bytes, number: int) -> bytes:
    return hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10]


def text_page(*lines: str) -> bytes:
    """A content stream printing ASCII lines in Helvetica 11 pt from the top of an A4 page."""
    ops = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    for line in lines:
        ops.append(b"(" + line.encode("ascii").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def image_page() -> bytes:
    """A content stream that only paints a 2x2 grey image, as a scanner would: no text layer."""
    return b"q 400 0 0 300 100 400 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q"


def build_pdf(contents: list[bytes], pages: int | None = None, user_password: bytes | None = None,
              owner_password: bytes = b"owner", size: tuple[int, int] = (595, 842)) -> bytes:
    """A PDF whose pages show `contents` (or `pages` pages all showing contents[0]).

    With `user_password` (b"" for none) the file is encrypted: b"" opens in every viewer without a
    question (an owner password only restricts editing); anything else asks for the password."""
    count = pages or len(contents)
    streams = contents if pages is None else contents[:1]
    first_stream = 4 + count
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, b" ".join(b"%d 0 R" % (4 + i) for i in range(count))),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i in range(count):
        stream = first_stream + (0 if pages is not None else i)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (size[0], size[1], stream))
    encrypt = security(user_password, owner_password) if user_password is not None else None
    for offset, data in enumerate(streams):
        number = first_stream + offset
        if encrypt:
            data = rc4(object_key(encrypt[2], number), data)
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    trailer = b"/ID [<%s> <%s>]" % (FILE_ID.hex().encode(), FILE_ID.hex().encode())
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
                       % (encrypt[0].hex().encode(), encrypt[1].hex().encode(), PERMISSIONS))
        trailer += b" /Encrypt %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def scan_of(pdf_path, out_path, pages=None, dpi=200, skew=1.2, noise=10.0, seed=0):
    """An image-only copy of a PDF, as a scanner makes one: each page rendered at `dpi`, turned by
    `skew` degrees on a grey paper, speckled with noise, and wrapped back into a PDF page of the same
    size with no text layer. `pages` (0-based) picks pages; all by default. Needs numpy and Pillow."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image
    rng = np.random.default_rng(seed)
    source, out = pdfium.PdfDocument(str(pdf_path)), pdfium.PdfDocument.new()
    kept = []
    try:
        for index in (range(len(source)) if pages is None else pages):
            page = source[index]
            width, height = page.get_size()
            grey = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            paper = np.asarray(grey, dtype=np.float32) * (232 / 255)       # paper is not white
            paper += rng.normal(0, noise, paper.shape)
            image = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))
            image = image.rotate(skew, resample=Image.BICUBIC, fillcolor=232)
            picture = pdfium.PdfImage.new(out)
            bitmap = pdfium.PdfBitmap.from_pil(image)
            picture.set_bitmap(bitmap)
            picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
            new = out.new_page(width, height)
            new.insert_obj(picture)
            new.gen_content()
            kept += [new, picture, bitmap]
        out.save(str(out_path))
    finally:
        source.close()
    return out_path
