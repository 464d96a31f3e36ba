"""Reading a PNG as far as the tests need: its chunks checked one by one (signature, lengths,
CRCs, the header, the image data inflating to exactly the rows the header promises, the end),
its size and its text chunks. Shared by the picture, command-line and adapter tests."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    texts: dict[str, str]


def read_png(data: bytes) -> Png:
    """The PNG's size and texts; AssertionError naming what is wrong if it is not a valid one."""
    assert data[:8] == SIGNATURE, "not a PNG signature"
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert len(body) == length, f"chunk {kind!r} cut short"
        assert zlib.crc32(kind + body) == crc, f"chunk {kind!r}: bad CRC"
        chunks.append((kind, body))
        position += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b""), "no header or no end"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0 and colour in CHANNELS, "an unexpected pixel format"
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(pixels) == height * (1 + width * CHANNELS[colour]), "the image data is cut short"
    texts = dict(_text(kind, body) for kind, body in chunks if kind in (b"tEXt", b"iTXt"))
    return Png(width, height, texts)


def _text(kind: bytes, body: bytes) -> tuple[str, str]:
    """A text chunk's keyword and text: tEXt in Latin-1, iTXt in UTF-8 (maybe compressed)."""
    keyword, rest = body.split(b"\0", 1)
    if kind == b"tEXt":
        return keyword.decode("latin-1"), rest.decode("latin-1")
    compressed, rest = rest[0], rest[2:]  # then the compression method, unused
    _language, _translated, text = rest.split(b"\0", 2)
    return keyword.decode("latin-1"), (zlib.decompress(text) if compressed else text).decode()
