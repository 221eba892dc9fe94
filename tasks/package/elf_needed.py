"""The shared libraries an ELF file names (DT_NEEDED), read from its own bytes: the package step runs on the
host, where no readelf need be installed. 32- and 64-bit, little-endian (amd64, arm64, armhf)."""

from __future__ import annotations

import struct
from pathlib import Path

SHT_DYNAMIC = 6
DT_NULL, DT_NEEDED = 0, 1
# per ELF class: section header table offset (where, format), its entry size and count (where),
# one section header, one dynamic entry
_LAYOUT = {
    1: ((0x20, "<I"), 0x2E, "<10I", "<iI"),
    2: ((0x28, "<Q"), 0x3A, "<IIQQQQIIQQ", "<qQ"),
}


def needed(path: Path) -> tuple[str, ...]:
    """The sonames the file's dynamic section names, in order; () for a file that is not such an ELF file or
    has no dynamic section (a static program)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] not in _LAYOUT or data[5] != 1:
        return ()
    (where, fmt), counts_at, header, entry = _LAYOUT[data[4]]
    (table,) = struct.unpack_from(fmt, data, where)
    size, count = struct.unpack_from("<HH", data, counts_at)
    sections = [struct.unpack_from(header, data, table + i * size) for i in range(count)]
    for _name, kind, _flags, _addr, offset, length, link, *_rest in sections:
        if kind != SHT_DYNAMIC:
            continue
        strings = sections[link][4]
        names = []
        for at in range(offset, offset + length, struct.calcsize(entry)):
            tag, value = struct.unpack_from(entry, data, at)
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                start = strings + value
                names.append(data[start:data.index(b"\0", start)].decode())
        return tuple(names)
    return ()
