#!/usr/bin/env python3
"""Write a gzip-compressed newc cpio initramfs without root privileges.

usage: mkinitramfs.py OUT.cpio.gz /init=HOSTFILE [/path=HOSTFILE ...]

The archive always holds /dev and the /dev/console character device (5,1), which the
kernel opens for init's stdio; mknod would need root, writing the header does not."""
import gzip
import os
import stat
import sys


def entry(name, mode, data=b"", rdev=(0, 0), ino=[100]):
    ino[0] += 1
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0))
    out = hdr.encode() + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    parts = [entry("dev", stat.S_IFDIR | 0o755),
             entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))]
    dirs = {"dev"}
    for spec in sys.argv[2:]:
        dest, src = spec.split("=", 1)
        dest = dest.lstrip("/")
        d = os.path.dirname(dest)
        while d and d not in dirs:
            parts.insert(0, entry(d, stat.S_IFDIR | 0o755))
            dirs.add(d)
            d = os.path.dirname(d)
        with open(src, "rb") as f:
            parts.append(entry(dest, stat.S_IFREG | 0o755, f.read()))
    parts.append(entry("TRAILER!!!", 0))
    with gzip.open(sys.argv[1], "wb", compresslevel=1) as f:
        f.write(b"".join(parts))


main()
