"""scripts/check_package.py on small zips holding synthetic ELF files of each kind."""

import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_package  # noqa: E402

EM_X86_64, EM_AARCH64 = 62, 183


def elf(machine: int, versions: tuple[str, ...] = ("GLIBC_2.17",)) -> bytes:
    """A minimal little-endian ELF64 shared object: a string table and a .gnu.version_r section."""
    strtab = b"\0libc.so.6\0" + b"".join(v.encode() + b"\0" for v in versions)
    name_offsets, at = [], len(b"\0libc.so.6\0")
    for v in versions:
        name_offsets.append(at)
        at += len(v) + 1
    # One Verneed (libc.so.6) with one Vernaux per version.
    verneed = struct.pack("<HHIII", 1, len(versions), 1, 16, 0)
    for i, offset in enumerate(name_offsets):
        verneed += struct.pack("<IHHII", 0, 0, i + 2, offset, 16 if i < len(versions) - 1 else 0)
    header_size, section_size = 64, 64
    strtab_at = header_size
    verneed_at = strtab_at + len(strtab)
    sections_at = verneed_at + len(verneed)
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 3, machine, 1, 0, 0, sections_at, 0, 64, 0, 0, section_size, 3, 0)
    sections = bytes(section_size)  # SHN_UNDEF
    sections += struct.pack("<IIQQQQIIQQ", 0, 3, 0, 0, strtab_at, len(strtab), 0, 0, 1, 0)
    sections += struct.pack("<IIQQQQIIQQ", 0, 0x6FFFFFFE, 0, 0, verneed_at, len(verneed), 1, 1, 4, 0)
    return header + strtab + verneed + sections


def package(tmp_path: Path, files: dict[str, bytes]) -> str:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return str(path)


def test_the_synthetic_elf_reads_back_as_built():
    info = check_package.parse_elf(elf(EM_AARCH64, ("GLIBC_2.17", "GLIBC_2.26", "GLIBC_2.3.4")))
    assert info.machine == EM_AARCH64
    assert info.needed_versions == {"GLIBC_2.17", "GLIBC_2.26", "GLIBC_2.3.4"}
    assert info.max_glibc == (2, 26)


def test_an_aarch64_library_within_amazon_linux_2023s_glibc_2_34_passes(tmp_path):
    problems, stats = check_package.check_package(package(tmp_path, {
        "pkg/_speedups.cpython-313-aarch64-linux-gnu.so": elf(EM_AARCH64, ("GLIBC_2.17", "GLIBC_2.34")),
        "pkg/__init__.py": b"",
    }))
    assert problems == []
    assert stats["elf_files"] == 1 and stats["max_glibc"] == "2.34"


def test_an_x86_64_library_fails(tmp_path):
    problems, _ = check_package.check_package(package(tmp_path, {"_cffi_backend.so": elf(EM_X86_64)}))
    assert problems == ["_cffi_backend.so: built for x86-64, Lambda arm64 needs AArch64"]


def test_a_library_needing_a_newer_glibc_fails(tmp_path):
    problems, _ = check_package.check_package(package(tmp_path, {
        "rust.abi3.so": elf(EM_AARCH64, ("GLIBC_2.17", "GLIBC_2.35")),
    }))
    assert problems == ["rust.abi3.so: needs GLIBC_2.35, Amazon Linux 2023 has 2.34"]


def test_an_elf_without_a_so_suffix_is_checked_too(tmp_path):
    problems, _ = check_package.check_package(package(tmp_path, {"bin/tool": elf(EM_X86_64)}))
    assert len(problems) == 1 and "x86-64" in problems[0]


def test_a_package_over_the_size_limit_fails(tmp_path):
    problems, _ = check_package.check_package(package(tmp_path, {"big.bin": b"x" * 2000}), max_bytes=1000)
    assert problems == ["unzipped size 2,000 bytes is over Lambda's 1,000"]


def test_timestamp_bytecode_fails_and_unchecked_hash_passes(tmp_path):
    magic = b"\xa7\r\r\n"
    problems, _ = check_package.check_package(package(tmp_path, {
        "a/__pycache__/x.cpython-313.pyc": magic + struct.pack("<I", 0) + bytes(8),
        "a/__pycache__/y.cpython-313.pyc": magic + struct.pack("<I", 1) + bytes(8),
    }))
    assert problems == ["a/__pycache__/x.cpython-313.pyc: bytecode is not unchecked-hash (flags 0)"]


def test_a_real_binary_of_this_machine_is_read_like_readelf_reads_it(tmp_path):
    binary = Path(sys.executable).resolve()
    info = check_package.parse_elf(binary.read_bytes())
    tool = shutil.which("readelf")
    if tool is None:
        pytest.skip("readelf (binutils) is not installed")
    readelf = subprocess.run([tool, "-h", "-V", str(binary)], capture_output=True, text=True, check=True)
    assert ("AArch64" in readelf.stdout) == (info.machine == EM_AARCH64)
    for version in info.needed_versions:
        assert version in readelf.stdout


def test_the_command_exits_non_zero_and_names_each_problem(tmp_path):
    path = package(tmp_path, {"x.so": elf(EM_X86_64)})
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_package.py"), path],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "x86-64" in result.stdout
