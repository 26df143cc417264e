"""Fails when a Lambda package would not run on Lambda's python3.11 arm64 runtime (Amazon Linux 2).

Checks, by opening the zip (nothing is extracted):
- every ELF file (shared library or executable) is built for AArch64;
- no ELF file needs a glibc symbol version above 2.26 (Amazon Linux 2's glibc);
- the unzipped size is at most Lambda's 250 MB limit (262,144,000 bytes);
- bytecode is unchecked-hash (Zappa stamps files 1980-01-01, so timestamp pycs would be recompiled
  on every cold start).

Usage: python scripts/check_package.py .build/kefir-dev.zip  (exit 1 and one line per problem on failure)
"""

import argparse
import re
import struct
import sys
import zipfile
from dataclasses import dataclass, field

EM_AARCH64 = 183
EM_NAMES = {3: "x86", 40: "ARM", 62: "x86-64", 183: "AArch64", 243: "RISC-V"}
MAX_GLIBC = (2, 26)
MAX_UNZIPPED_BYTES = 262_144_000  # Lambda: 250 MB unzipped, layers included
SHT_GNU_VERNEED = 0x6FFFFFFE
GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")


class ElfError(ValueError):
    """The bytes are not a well-formed ELF file."""


@dataclass
class ElfInfo:
    machine: int
    needed_versions: set[str] = field(default_factory=set)

    @property
    def max_glibc(self) -> tuple[int, ...] | None:
        matches = (GLIBC_VERSION.match(v) for v in self.needed_versions)
        versions = [tuple(int(p) for p in m.groups() if p) for m in matches if m]
        return max(versions) if versions else None


def parse_elf(data: bytes) -> ElfInfo:
    """The machine and the symbol versions an ELF file needs (its .gnu.version_r section)."""
    if data[:4] != b"\x7fELF" or len(data) < 52:
        raise ElfError("not an ELF file")
    elf_class, encoding = data[4], data[5]
    if elf_class not in (1, 2) or encoding not in (1, 2):
        raise ElfError("unknown ELF class or encoding")
    end = "<" if encoding == 1 else ">"
    is64 = elf_class == 2

    def unpack(fmt: str, offset: int) -> tuple:
        try:
            return struct.unpack_from(end + fmt, data, offset)
        except struct.error as exc:
            raise ElfError(f"truncated ELF file at offset {offset}") from exc

    (machine,) = unpack("H", 18)
    if is64:
        shoff, shentsize, shnum = unpack("Q", 40)[0], unpack("H", 58)[0], unpack("H", 60)[0]
        section_fmt, size_fields = "IIQQQQIIQQ", (3, 4, 5, 6)  # indexes of addr, offset, size, link
    else:
        shoff, shentsize, shnum = unpack("I", 32)[0], unpack("H", 46)[0], unpack("H", 48)[0]
        section_fmt, size_fields = "IIIIIIIIII", (3, 4, 5, 6)
    info = ElfInfo(machine=machine)
    if not shoff or not shnum:
        return info
    sections = [unpack(section_fmt, shoff + i * shentsize) for i in range(shnum)]
    for section in sections:
        sh_type = section[1]
        if sh_type != SHT_GNU_VERNEED:
            continue
        offset, link = section[size_fields[1]], section[size_fields[3]]
        if link >= len(sections):
            raise ElfError("version-needs section links to no string table")
        strtab_offset = sections[link][size_fields[1]]

        def string(at: int, strtab_offset: int = strtab_offset) -> str:
            start = strtab_offset + at
            stop = data.find(b"\0", start)
            if stop < 0:
                raise ElfError("unterminated string")
            return data[start:stop].decode("ascii", "replace")

        need = offset
        for _ in range(10_000):  # a bound against malformed (cyclic) chains
            _version, count, _file, aux, next_need = unpack("HHIII", need)
            entry = need + aux
            for _ in range(count):
                _hash, _flags, _other, name, next_aux = unpack("IHHII", entry)
                info.needed_versions.add(string(name))
                if not next_aux:
                    break
                entry += next_aux
            if not next_need:
                break
            need += next_need
    return info


def check_package(path: str, max_bytes: int = MAX_UNZIPPED_BYTES) -> tuple[list[str], dict]:
    """The problems found in a package, and its statistics."""
    problems: list[str] = []
    stats = {"files": 0, "unzipped_bytes": 0, "elf_files": 0, "max_glibc": None, "pyc_files": 0}
    highest: tuple[int, ...] = ()
    with zipfile.ZipFile(path) as zf:
        for member in zf.infolist():
            if member.is_dir():
                continue
            stats["files"] += 1
            stats["unzipped_bytes"] += member.file_size
            with zf.open(member) as fh:
                head = fh.read(16)
                if head[:4] == b"\x7fELF":
                    data = head + fh.read()
                    stats["elf_files"] += 1
                    try:
                        elf = parse_elf(data)
                    except ElfError as exc:
                        problems.append(f"{member.filename}: unreadable ELF ({exc})")
                        continue
                    if elf.machine != EM_AARCH64:
                        arch = EM_NAMES.get(elf.machine, f"machine {elf.machine}")
                        problems.append(f"{member.filename}: built for {arch}, Lambda arm64 needs AArch64")
                    glibc = elf.max_glibc
                    if glibc and glibc > MAX_GLIBC:
                        version = ".".join(map(str, glibc))
                        problems.append(f"{member.filename}: needs GLIBC_{version}, Amazon Linux 2 has 2.26")
                    if glibc and glibc > highest:
                        highest = glibc
                elif member.filename.endswith(".pyc"):
                    stats["pyc_files"] += 1
                    # PEP 552 flags: bit 0 hash-based, bit 1 check the source. Unchecked-hash is 0b01.
                    flags = struct.unpack("<I", head[4:8])[0] if len(head) >= 8 else -1
                    if flags != 0b01:
                        problems.append(f"{member.filename}: bytecode is not unchecked-hash (flags {flags})")
    if highest:
        stats["max_glibc"] = ".".join(map(str, highest))
    if stats["unzipped_bytes"] > max_bytes:
        problems.append(f"unzipped size {stats['unzipped_bytes']:,} bytes is over Lambda's {max_bytes:,}")
    return problems, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Lambda package for Lambda's arm64 python3.11 runtime.")
    parser.add_argument("packages", nargs="+")
    args = parser.parse_args(argv)
    failed = False
    for package in args.packages:
        problems, stats = check_package(package)
        for problem in problems:
            print(f"FAIL {package}: {problem}")
        size_mb = stats["unzipped_bytes"] / 1_000_000
        print(
            f"{'FAIL' if problems else 'ok'} {package}: {stats['files']} files, {size_mb:.1f} MB unzipped, "
            f"{stats['elf_files']} ELF (AArch64 needed, highest GLIBC {stats['max_glibc']}), "
            f"{stats['pyc_files']} pyc"
        )
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
