"""Adds unchecked-hash bytecode to a Zappa package and writes it back as a reproducible zip.

Zappa writes every file with the zip's default 1980-01-01 timestamp, so timestamp-checked .pyc files
would never match and Lambda would compile everything on each cold start. Unchecked-hash .pyc files are
trusted as they are; the package is immutable, so they can never go stale.
"""

import argparse
import compileall
import shutil
import sys
import zipfile
from pathlib import Path

LAMBDA_ROOT = "/var/task"


def finish(raw: Path, out: Path, work: Path) -> int:
    """Extract, compile, re-zip; returns the number of files in the result."""
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("bytecode must be compiled by Python 3.11 (the Lambda runtime)")
    shutil.rmtree(work, ignore_errors=True)
    with zipfile.ZipFile(raw) as zf:
        zf.extractall(work)
    ok = compileall.compile_dir(
        str(work),
        quiet=1,
        workers=0,
        stripdir=str(work),
        prependdir=LAMBDA_ROOT,
        invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise SystemExit("compileall failed")
    tmp = out.with_suffix(".zip.tmp")
    count = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(work)), date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
            count += 1
    tmp.replace(out)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    args = parser.parse_args()
    count = finish(args.raw, args.out, args.work)
    print(f"{args.out}: {count} files")


if __name__ == "__main__":
    main()
