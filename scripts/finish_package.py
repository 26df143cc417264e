"""Prunes botocore's models, adds unchecked-hash bytecode to a Zappa package, writes a reproducible zip.

Zappa writes every file with the zip's default 1980-01-01 timestamp, so timestamp-checked .pyc files
would never match and Lambda would compile everything on each cold start. Unchecked-hash .pyc files are
trusted as they are; the package is immutable, so they can never go stale.

botocore ships a model folder for every AWS service (about 440, 28 MB unzipped) and lists them all when it
creates a client; the package keeps only the services in scripts/botocore_services.txt. Its endpoints.json
(1.2 MB: every service in every partition) is parsed at the first client of every botocore session, about
25 ms of a cold start; the package's copy keeps every partition's own data and only the kept services.

Each client parses its service-2 model, mostly documentation that botocore only turns into docstrings and
help (the kept services' models: 4.0 MB of JSON, 0.83 MB without it; dynamodb's 556 KB, 113 KB). The
package's models have none (clientContextParams keep theirs, which botocore reads), and no examples-1.json
(read by botocore.docs only): a fresh session's dynamodb client is created about 5 ms sooner, an s3 or
cognito-idp client about 10 ms (medians of 31 fresh processes each on the x86-64 build machine).
"""

import argparse
import compileall
import gzip
import hashlib
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

LAMBDA_ROOT = "/var/task"
SERVICES_FILE = Path(__file__).resolve().with_name("botocore_services.txt")


def kept_botocore_services(path: Path = SERVICES_FILE) -> list[str]:
    """The services whose botocore models the package keeps, in the file's order (comments stripped)."""
    services = []
    for line in path.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            services.append(name)
    if len(set(services)) != len(services):
        raise SystemExit(f"{path}: a service is listed twice")
    return services


def prune_botocore(root: Path, services: list[str]) -> list[str]:
    """Delete every botocore/data/<service> folder not in `services`; returns the deleted names.

    The root files of botocore/data (endpoints.json, partitions.json, _retry.json,
    sdk-default-configuration.json) stay (prune_endpoints slims endpoints.json). Fails if a kept service
    has no model here.
    boto3/data (resource models, read by the same loader, which lists it too) gets the same treatment."""
    data = root / "botocore" / "data"
    if not data.is_dir():
        return []
    present = {p.name for p in data.iterdir() if p.is_dir()}
    missing = sorted(set(services) - present)
    if missing:
        raise SystemExit(f"botocore in this package has no model for {missing} (scripts/botocore_services.txt)")
    dropped = sorted(present - set(services))
    for name in dropped:
        shutil.rmtree(data / name)
    resources = root / "boto3" / "data"
    if resources.is_dir():
        for folder in sorted(p for p in resources.iterdir() if p.is_dir() and p.name not in services):
            shutil.rmtree(folder)
    return dropped


def endpoint_prefixes(data: Path, services: list[str]) -> set[str]:
    """The endpoints.json keys of `services` (a model's endpointPrefix: "email" for ses), from their models."""
    prefixes = set()
    for service in services:
        (model,) = sorted((data / service).glob("*/service-2.json*"))[-1:]  # the latest API version
        raw = gzip.decompress(model.read_bytes()) if model.suffix == ".gz" else model.read_bytes()
        prefixes.add(json.loads(raw)["metadata"]["endpointPrefix"])
    return prefixes


def prune_endpoints(root: Path, services: list[str]) -> int:
    """Keep, in every partition of botocore/data/endpoints.json, only the kept services' entries (the
    partitions' regions, defaults and DNS suffixes stay whole); returns how many entries went."""
    path = root / "botocore" / "data" / "endpoints.json"
    endpoints = json.loads(path.read_text()) if path.is_file() else {}
    if not endpoints.get("partitions"):
        return 0
    keep = endpoint_prefixes(path.parent, services)
    dropped = 0
    for partition in endpoints["partitions"]:
        kept = {name: entry for name, entry in partition.get("services", {}).items() if name in keep}
        dropped += len(partition.get("services", {})) - len(kept)
        partition["services"] = kept
    path.write_text(json.dumps(endpoints, indent=1, sort_keys=True))
    return dropped


def strip_model_documentation(model: dict) -> int:
    """Delete, in place, the human documentation of a service-2 model; returns how many strings went.

    Only where botocore's model classes read it with a default (ServiceModel, OperationModel and Shape
    .documentation, for docstrings and help): the service, each operation and its input/output/error
    references, each shape and its member/key/value references. Only string values go: a structure's
    `members` may hold a member named "documentation" (a dict), which stays. clientContextParams keep
    theirs: botocore reads param["documentation"] (no default) at every endpoint resolution of the client.
    """
    def drop(node: object) -> int:
        if isinstance(node, dict) and isinstance(node.get("documentation"), str):
            del node["documentation"]
            return 1
        return 0

    removed = drop(model)
    for operation in model.get("operations", {}).values():
        removed += drop(operation)
        for ref in (operation.get("input"), operation.get("output"), *operation.get("errors", [])):
            removed += drop(ref)
    for shape in model.get("shapes", {}).values():
        removed += drop(shape)
        for ref in (*shape.get("members", {}).values(), shape.get("member"), shape.get("key"), shape.get("value")):
            removed += drop(ref)
    return removed


def model_json(data: bytes, name: str) -> bytes:
    """The JSON of a botocore model file's bytes (.json.gz files are gzip)."""
    return gzip.decompress(data) if name.endswith(".gz") else data


def write_model(path: Path, model: dict) -> int:
    """Compact JSON, keys in the order read; .gz stays gzip, reproducible (mtime 0, no file name in the
    header). Returns the JSON's size."""
    raw = json.dumps(model, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0) if path.suffix == ".gz" else raw)
    return len(raw)


def strip_botocore_documentation(root: Path, services: list[str]) -> tuple[int, int]:
    """Rewrite every API version's service-2 model of the kept services without its documentation, and
    delete their examples-1.json (read by botocore.docs only); returns the models' JSON bytes before and
    after. paginators-1 and waiters-2 hold no documentation (and botocore reads them only on demand)."""
    data = root / "botocore" / "data"
    before = after = 0
    for service in services:
        folder = data / service
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*/examples-1.json*")):
            path.unlink()
        for path in sorted(p for p in folder.glob("*/*") if p.name in ("service-2.json", "service-2.json.gz")):
            raw = model_json(path.read_bytes(), path.name)
            model = json.loads(raw)
            strip_model_documentation(model)
            before += len(raw)
            after += write_model(path, model)
    return before, after


def finish(raw: Path, out: Path, work: Path) -> int:
    """Extract, compile, re-zip; returns the number of files in the result."""
    if sys.version_info[:2] != (3, 13):
        raise SystemExit("bytecode must be compiled by Python 3.13 (the Lambda runtime)")
    shutil.rmtree(work, ignore_errors=True)
    with zipfile.ZipFile(raw) as zf:
        zf.extractall(work)
    kept = kept_botocore_services()
    dropped = prune_botocore(work, kept)
    print(f"botocore/data: kept {len(kept)} service models, dropped {len(dropped)}; "
          f"endpoints.json: dropped {prune_endpoints(work, kept)} entries of other services")
    before, after = strip_botocore_documentation(work, kept)
    print(f"botocore/data: kept services' models without documentation, {before:,} -> {after:,} bytes of JSON")
    if os.environ.get("PYTHONHASHSEED") != "0":
        # Bytecode of sets/frozensets depends on string hashing: a fixed seed keeps builds identical.
        raise SystemExit("run with PYTHONHASHSEED=0 so the bytecode is reproducible")
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
    _make_reproducible(work)
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


def _make_reproducible(work: Path) -> None:
    """Zappa's package_info.json holds a random uuid and the build time; derive both from the content.

    The same source then gives the same zip, byte for byte, so infra/deploy.sh can tell from Lambda's
    CodeSha256 that nothing changed and skip the update.
    """
    info_path = work / "package_info.json"
    if not info_path.exists():
        return
    digest = hashlib.sha256()
    for path in sorted(p for p in work.rglob("*") if p.is_file() and p != info_path):
        digest.update(str(path.relative_to(work)).encode() + b"\0" + path.read_bytes())
    info = json.loads(info_path.read_text())
    info.update(uuid=digest.hexdigest()[:32], build_time=os.environ.get("SOURCE_DATE_EPOCH", "0"),
                build_user="kefir-build")
    info_path.write_text(json.dumps(info, indent=4, sort_keys=True))


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
