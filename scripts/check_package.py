"""Fails when a Lambda package would not run on Lambda's python3.13 arm64 runtime (Amazon Linux 2023).

Checks, by opening the zip (nothing is extracted):
- every ELF file (shared library or executable) is built for AArch64;
- no ELF file needs a glibc symbol version above 2.34 (Amazon Linux 2023's glibc);
- the unzipped size is at most Lambda's 250 MB limit (262,144,000 bytes);
- bytecode is unchecked-hash (Zappa stamps files 1980-01-01, so timestamp pycs would be recompiled
  on every cold start);
- botocore/data holds the model of every service in scripts/botocore_services.txt, its root files, and
  nothing else (the package was pruned); the packaged code names no client outside that list; the
  kept services' service-2 models hold no documentation (finish_package.py strips it); and botocore, run
  from the package alone (`python -I -S`), can create a client of each listed service.

The x86_64 package (`PACKAGE_ARCH=x86_64 scripts/build_package.sh`, .build/kefir-<stage>-x86_64.zip) is
for benchmarks on this machine only: this check refuses it.

Usage: python scripts/check_package.py .build/kefir-dev.zip  (exit 1 and one line per problem on failure)
"""

import argparse
import json
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from finish_package import kept_botocore_services, model_json, strip_model_documentation

EM_AARCH64 = 183
EM_NAMES = {3: "x86", 40: "ARM", 62: "x86-64", 183: "AArch64", 243: "RISC-V"}
MAX_GLIBC = (2, 34)  # Amazon Linux 2023, under Lambda's python3.13 runtime
MAX_UNZIPPED_BYTES = 262_144_000  # Lambda: 250 MB unzipped, layers included
SHT_GNU_VERNEED = 0x6FFFFFFE
GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")
BOTOCORE_ROOT_FILES = ("endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json")
# A client or resource named by a literal: boto3.client("s3"), aws.client('cognito-idp'),
# session.create_client("dynamodb", ...), session.resource(service_name="s3").
CLIENT_NAME = re.compile(r"""\b(?:client|resource|create_client)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']""")
# Packaged code whose client names must be listed: ours, and the Zappa modules the handler runs.
CLIENT_SOURCES = re.compile(r"^(?:apps|kefir)/.*\.py$|^zappa/(?:handler|asynchronous)\.py$")
# A service model of botocore/data (any API version): its service is group 1.
SERVICE_MODEL = re.compile(r"botocore/data/([^/]+)/[^/]+/service-2\.json(?:\.gz)?")
# What botocore needs to run (all pure Python): extracted to create the clients from the package alone.
BOTOCORE_RUNTIME = ("botocore", "boto3", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py", "certifi")


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


def named_clients(source: str) -> set[str]:
    """The AWS services a Python source names as a literal client or resource argument."""
    return set(CLIENT_NAME.findall(source))


# Runs in `python -I -S`: the standard library and argv[1] (an unzipped package) are all it can import.
CLIENT_CHILD = """
import json, os, sys
folder = os.path.realpath(sys.argv[1])
sys.path.insert(0, folder)
import boto3.session, botocore.session
report = {"problems": [], "outside": []}
keys = {"region_name": "us-east-1", "aws_access_key_id": "check", "aws_secret_access_key": "check"}
session = botocore.session.Session()
for name in sys.argv[2:]:
    try:
        session.create_client(name, **keys)
    except Exception as exc:
        report["problems"].append(f"botocore cannot create a {name!r} client from the package: {exc!r}")
if "s3" in sys.argv[2:]:
    try:
        boto3.session.Session(**keys).resource("s3")  # django-storages' way in
    except Exception as exc:
        report["problems"].append(f"boto3 cannot create an s3 resource from the package: {exc!r}")
report["available"] = session.get_available_services()
for module in list(sys.modules.values()):
    file = getattr(module, "__file__", None) or ""
    stdlib = os.path.realpath(sys.base_prefix)
    if file and not os.path.realpath(file).startswith((folder + os.sep, stdlib + os.sep)):
        report["outside"].append(f"{module.__name__} ({file})")
print(json.dumps(report))
"""


def client_creation_problems(folder: Path, services: list[str]) -> tuple[list[str], list[str]]:
    """Create a client of each service with the botocore of an unzipped package, in a fresh `python -I -S`
    that sees only that folder and the standard library (creating a client is local: no network).

    Returns the problems (one line each) and the services botocore lists there."""
    with tempfile.TemporaryDirectory(prefix="check-clients-") as home:
        # No ~/.aws (its models/ folder would add services), no profile, no credentials from this machine.
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "AWS_CONFIG_FILE": f"{home}/config",
               "AWS_SHARED_CREDENTIALS_FILE": f"{home}/credentials", "PYTHONDONTWRITEBYTECODE": "1"}
        command = [sys.executable, "-I", "-S", "-c", CLIENT_CHILD, str(folder), *services]
        result = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    lines = result.stdout.strip().splitlines()
    if result.returncode or not lines:
        return [f"botocore does not start from the package: {result.stderr.strip()[-500:]}"], []
    report = json.loads(lines[-1])
    problems = list(report["problems"])
    if report["outside"]:
        problems.append(f"client creation imported modules from outside the package: {report['outside'][:5]}")
    return problems, report["available"]


def _check_botocore(zf: zipfile.ZipFile, names: set[str], services: list[str], create_clients: bool) -> list[str]:
    """The package's botocore/data against the kept list, and clients created from the package."""
    problems = []
    in_data = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") >= 3}
    for service in services:
        if not any(re.fullmatch(rf"botocore/data/{re.escape(service)}/[^/]+/service-2\.json(\.gz)?", n)
                   for n in names):
            problems.append(f"botocore/data/{service}: no service model (listed in scripts/botocore_services.txt)")
    for name in sorted(names):
        match = SERVICE_MODEL.fullmatch(name)
        if not match or match.group(1) not in services:
            continue
        try:
            model = json.loads(model_json(zf.read(name), name))
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            problems.append(f"{name}: unreadable model ({exc})")
            continue
        left = strip_model_documentation(model) if isinstance(model, dict) else 0
        if left:
            problems.append(f"{name}: still holds {left} documentation strings, which every client creation "
                            "parses (not stripped by scripts/finish_package.py?)")
    for root_file in BOTOCORE_ROOT_FILES:
        if f"botocore/data/{root_file}" not in names:
            problems.append(f"botocore/data/{root_file}: missing (botocore's root data)")
    extra = sorted(in_data - set(services))
    if extra:
        problems.append(f"botocore/data holds {len(extra)} services not in scripts/botocore_services.txt "
                        f"(not pruned by scripts/finish_package.py?): {', '.join(extra[:5])}")
    if create_clients and not problems:
        with tempfile.TemporaryDirectory(prefix="check-botocore-") as folder:
            members = [n for n in names if n.split("/")[0] in BOTOCORE_RUNTIME]
            zf.extractall(folder, members)
            created, available = client_creation_problems(Path(folder), services)
            problems += created
            if not created and sorted(available) != sorted(services):
                problems.append(f"botocore in the package lists {available}, not the kept {sorted(services)}")
    return problems


def check_package(path: str, max_bytes: int = MAX_UNZIPPED_BYTES, *, create_clients: bool = True,
                  services: list[str] | None = None) -> tuple[list[str], dict]:
    """The problems found in a package, and its statistics."""
    services = kept_botocore_services() if services is None else services
    problems: list[str] = []
    if Path(path).name.endswith("-x86_64.zip"):
        problems.append("this is the x86_64 benchmark build, never deployed: Lambda runs .build/kefir-<stage>.zip")
    stats = {"files": 0, "unzipped_bytes": 0, "elf_files": 0, "max_glibc": None, "pyc_files": 0,
             "botocore_services": None}
    highest: tuple[int, ...] = ()
    with zipfile.ZipFile(path) as zf:
        names = {m.filename for m in zf.infolist() if not m.is_dir()}
        for member in zf.infolist():
            if member.is_dir():
                continue
            stats["files"] += 1
            stats["unzipped_bytes"] += member.file_size
            with zf.open(member) as fh:
                head = fh.read(16)
                if CLIENT_SOURCES.match(member.filename):
                    source = (head + fh.read()).decode("utf-8", "replace")
                    for service in sorted(named_clients(source) - set(services)):
                        problems.append(f"{member.filename}: names the {service!r} client, which is not in "
                                        "scripts/botocore_services.txt (its model is not in the package)")
                elif head[:4] == b"\x7fELF":
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
                        problems.append(f"{member.filename}: needs GLIBC_{version}, Amazon Linux 2023 has 2.34")
                    if glibc and glibc > highest:
                        highest = glibc
                elif member.filename.endswith(".pyc"):
                    stats["pyc_files"] += 1
                    # PEP 552 flags: bit 0 hash-based, bit 1 check the source. Unchecked-hash is 0b01.
                    flags = struct.unpack("<I", head[4:8])[0] if len(head) >= 8 else -1
                    if flags != 0b01:
                        problems.append(f"{member.filename}: bytecode is not unchecked-hash (flags {flags})")
        if "botocore/__init__.py" in names:
            problems += _check_botocore(zf, names, services, create_clients)
            stats["botocore_services"] = len({n.split("/")[2] for n in names
                                              if n.startswith("botocore/data/") and n.count("/") >= 3})
    if highest:
        stats["max_glibc"] = ".".join(map(str, highest))
    if stats["unzipped_bytes"] > max_bytes:
        problems.append(f"unzipped size {stats['unzipped_bytes']:,} bytes is over Lambda's {max_bytes:,}")
    return problems, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Lambda package for Lambda's arm64 python3.13 runtime.")
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
            f"{stats['pyc_files']} pyc, {stats['botocore_services']} botocore service models"
        )
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
