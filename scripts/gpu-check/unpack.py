#!/usr/bin/env python3
"""Unpacks the GPU check's files on a box that may lack the `xz` and `dpkg-deb` tools (standard library only).

  unpack.py xz SRC.xz DEST       decompress one .xz file
  unpack.py deb SRC.deb DESTDIR  extract a Debian package's files (an ar archive holding data.tar.*)
"""
import io
import lzma
import os
import shutil
import sys
import tarfile


def unxz(src, dest):
    with lzma.open(src) as f, open(dest + ".part", "wb") as out:
        shutil.copyfileobj(f, out, 1 << 20)
    os.replace(dest + ".part", dest)


def ar_members(path):
    """(name, bytes) of each member of an ar archive: 8-byte magic, then 60-byte headers, 2-byte aligned."""
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise SystemExit(f"{path} is not a Debian package (no ar magic)")
        while True:
            header = f.read(60)
            if len(header) < 60:
                return
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode())
            yield name, f.read(size)
            if size % 2:
                f.read(1)


def undeb(src, dest):
    for name, data in ar_members(src):
        if name.startswith("data.tar"):
            if name.endswith(".zst"):
                raise SystemExit(f"{src}: zstd-compressed data, which Python cannot read; use dpkg-deb -x")
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(dest, filter="data")
                else:
                    tar.extractall(dest)
            return
    raise SystemExit(f"{src} holds no data.tar member")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("xz", "deb"):
        raise SystemExit(__doc__)
    (unxz if sys.argv[1] == "xz" else undeb)(sys.argv[2], sys.argv[3])
