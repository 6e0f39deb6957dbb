#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# A minimal PDF for the command tests: mkpdf.py OUT "page one text" ["page two text" ...]
# (Helvetica, A4, one line of text a page; the text must be plain ASCII without parentheses).
import sys
def pdf(path, pages):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for text in pages:
        content = b"BT /F1 14 Tf 72 760 Td (" + text.encode() + b") Tj ET"
        n = len(objs) + 1
        kids.append(b"%d 0 R" % n)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>" % (n + 1, n + 2))
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = bytearray(b"%PDF-1.7\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    open(path, "wb").write(out)

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: mkpdf.py OUT TEXT [TEXT ...]")
    pdf(sys.argv[1], sys.argv[2:])
