"""botocore's models in the Lambda package: one kept list (scripts/botocore_services.txt), pruned by
scripts/finish_package.py, enforced by scripts/check_package.py, and matched against the code."""

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import botocore
import botocore.session
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_package  # noqa: E402
import finish_package  # noqa: E402

KEPT = finish_package.kept_botocore_services()
SITE = Path(botocore.__file__).resolve().parent.parent
MAKE = shutil.which("make") or "/usr/bin/make"
BASH = shutil.which("bash") or "/bin/bash"


def python_sources() -> list[Path]:
    """What the package's CLIENT_SOURCES cover, from the working tree and the installed Zappa."""
    ours = [p for part in ("apps", "kefir") for p in (ROOT / part).rglob("*.py") if "__pycache__" not in p.parts]
    return [*ours, SITE / "zappa" / "handler.py", SITE / "zappa" / "asynchronous.py"]


def test_every_client_the_code_names_is_in_the_kept_list():
    named = {}
    for path in python_sources():
        for service in check_package.named_clients(path.read_text()):
            named.setdefault(service, path.relative_to(ROOT if ROOT in path.parents else SITE).as_posix())
    assert {"dynamodb", "s3", "cognito-idp", "lambda", "sns", "sts"} <= set(named)  # the grep sees real calls
    unlisted = {service: where for service, where in named.items() if service not in KEPT}
    assert unlisted == {}, "add these to scripts/botocore_services.txt (and infra/iam.yaml)"


def test_the_grep_finds_every_way_of_naming_a_client():
    source = """
        aws.client("ses")
        boto3.client('sesv2', region_name="us-east-1")
        session.create_client("dynamodb", region)
        session.resource(service_name="s3")
        aws.client(service)
        expo.client()
    """
    assert check_package.named_clients(source) == {"ses", "sesv2", "dynamodb", "s3"}


def test_django_ses_sends_through_the_listed_api_version():
    settings_text = "\n".join(p.read_text() for p in (ROOT / "kefir" / "settings").glob("*.py"))
    assert "django_ses.SESBackend" in settings_text
    # django-ses creates an "ses" client, or "sesv2" when USE_SES_V2 is set (django_ses/__init__.py).
    assert ("sesv2" if "USE_SES_V2" in settings_text else "ses") in KEPT


def test_the_kept_list_has_no_duplicates_and_only_services_of_the_pinned_botocore():
    pin = re.search(r"^botocore==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pin and pin.group(1) == botocore.__version__
    assert len(set(KEPT)) == len(KEPT)
    assert set(KEPT) <= set(botocore.session.get_session().get_available_services())


def raw_package(tmp_path: Path, services: list[str]) -> Path:
    """A small stand-in for Zappa's zip: botocore's root data, some models, boto3 resources, one module."""
    files = {"botocore/__init__.py": b"", "app.py": b"VALUE = {'a', 'b'}\n",
             "boto3/data/s3/2006-03-01/resources-1.json": b"{}", "boto3/data/ec2/2016-11-15/resources-1.json": b"{}"}
    for name in check_package.BOTOCORE_ROOT_FILES:
        files[f"botocore/data/{name}"] = b"{}"
    for service in [*services, "ec2", "ssm"]:
        files[f"botocore/data/{service}/2020-01-01/service-2.json.gz"] = service.encode()
    path = tmp_path / "raw.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_finish_package_keeps_only_the_listed_models_and_stays_byte_for_byte_reproducible(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    raw = raw_package(tmp_path, KEPT)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    finish_package.finish(raw, first, tmp_path / "work1")
    finish_package.finish(raw, second, tmp_path / "work2")
    assert first.read_bytes() == second.read_bytes()
    names = set(zipfile.ZipFile(first).namelist())
    services = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") >= 3}
    assert services == set(KEPT)
    assert {f"botocore/data/{n}" for n in check_package.BOTOCORE_ROOT_FILES} <= names
    assert "boto3/data/s3/2006-03-01/resources-1.json" in names
    assert not any(n.startswith("boto3/data/ec2/") for n in names)
    assert "__pycache__/app.cpython-311.pyc" in names


def test_finish_package_refuses_a_botocore_without_a_listed_model(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    raw = raw_package(tmp_path, [s for s in KEPT if s != "ses"])
    with pytest.raises(SystemExit, match="ses"):
        finish_package.finish(raw, tmp_path / "out.zip", tmp_path / "work")


def package(tmp_path: Path, files: dict[str, bytes], name: str = "package.zip") -> str:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in files.items():
            zf.writestr(member, data)
    return str(path)


def pruned_files(services: list[str]) -> dict[str, bytes]:
    files = {"botocore/__init__.py": b""}
    files.update({f"botocore/data/{n}": b"{}" for n in check_package.BOTOCORE_ROOT_FILES})
    files.update({f"botocore/data/{s}/2020-01-01/service-2.json.gz": b"" for s in services})
    return files


def test_a_pruned_package_passes_the_botocore_checks(tmp_path):
    problems, stats = check_package.check_package(package(tmp_path, pruned_files(KEPT)), create_clients=False)
    assert problems == []
    assert stats["botocore_services"] == len(KEPT)


def test_a_missing_model_a_missing_root_file_and_an_unpruned_model_each_fail(tmp_path):
    files = pruned_files([s for s in KEPT if s != "sts"] + ["ec2"])
    del files["botocore/data/partitions.json"]
    problems, _ = check_package.check_package(package(tmp_path, files), create_clients=False)
    assert problems == [
        "botocore/data/sts: no service model (listed in scripts/botocore_services.txt)",
        "botocore/data/partitions.json: missing (botocore's root data)",
        "botocore/data holds 1 services not in scripts/botocore_services.txt "
        "(not pruned by scripts/finish_package.py?): ec2",
    ]


def test_packaged_code_naming_an_unlisted_client_fails(tmp_path):
    files = {**pruned_files(KEPT), "apps/mail/sender.py": b'from kefir import aws\naws.client("sesv2")\n',
             "vendor/lib.py": b'boto3.client("ec2")\n'}
    problems, _ = check_package.check_package(package(tmp_path, files), create_clients=False)
    assert problems == ["apps/mail/sender.py: names the 'sesv2' client, which is not in "
                        "scripts/botocore_services.txt (its model is not in the package)"]


def test_the_x86_64_benchmark_build_is_refused_by_name(tmp_path):
    problems, _ = check_package.check_package(package(tmp_path, {"a.py": b""}, name="kefir-dev-x86_64.zip"))
    assert problems == ["this is the x86_64 benchmark build, never deployed: Lambda runs .build/kefir-<stage>.zip"]


def test_botocore_pruned_to_the_list_creates_every_kept_client_and_no_other(tmp_path):
    """The real botocore (the pinned version), pruned as the package is, run by `python -I -S`."""
    data = SITE / "botocore" / "data"
    shutil.copytree(SITE / "botocore", tmp_path / "botocore", ignore=lambda folder, names: [
        n for n in names if Path(folder) == data and (data / n).is_dir() and n not in KEPT] + ["__pycache__"])
    for name in ("boto3", "s3transfer", "jmespath", "dateutil", "urllib3"):
        shutil.copytree(SITE / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(SITE / "six.py", tmp_path / "six.py")
    problems, available = check_package.client_creation_problems(tmp_path, KEPT)
    assert problems == []
    assert available == sorted(KEPT)
    problems, _ = check_package.client_creation_problems(tmp_path, ["ec2"])
    assert len(problems) == 1 and "UnknownServiceError" in problems[0]


def test_make_package_builds_arm64_whatever_the_environment_says():
    # Also when run under `make test`: a nested make would print "Entering directory" lines otherwise.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env["PACKAGE_ARCH"] = "x86_64"
    make = [MAKE, "--no-print-directory", "-n"]
    result = subprocess.run([*make, "package", "STAGE=dev", "PACKAGE_ARCH=x86_64"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "PACKAGE_ARCH=arm64 bash scripts/build_package.sh dev" in result.stdout.splitlines()
    check = subprocess.run([*make, "check-package", "STAGE=dev"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60)
    assert check.stdout.strip().splitlines()[-1].endswith("scripts/check_package.py .build/kefir-dev.zip")


def test_the_build_script_refuses_an_unknown_architecture():
    result = subprocess.run([BASH, "scripts/build_package.sh", "dev"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"PATH": "/usr/bin:/bin", "PACKAGE_ARCH": "amd64"})
    assert result.returncode == 2
    assert "PACKAGE_ARCH must be arm64 or x86_64" in result.stderr


def _session_with_data(folder: Path | None) -> botocore.session.Session:
    session = botocore.session.Session()
    if folder is not None:
        session.get_component("data_loader").search_paths.insert(0, str(folder))
    session.set_credentials("AKIDEXAMPLE", "secret")
    return session


def test_pruned_endpoints_resolve_every_kept_client_as_the_full_file_does(tmp_path):
    data = tmp_path / "botocore" / "data"
    shutil.copytree(SITE / "botocore" / "data", data, ignore=lambda d, names: [
        n for n in names if Path(d) == SITE / "botocore" / "data" and (Path(d) / n).is_dir() and n not in KEPT])
    dropped = finish_package.prune_endpoints(tmp_path, KEPT)
    assert dropped > 1000 and (data / "endpoints.json").stat().st_size < 100_000
    full, pruned = _session_with_data(None), _session_with_data(data)
    services_seen = pruned.get_component("endpoint_resolver")._endpoint_data["partitions"][0]["services"]
    assert set(services_seen) == {"dynamodb", "s3", "cognito-idp", "email", "lambda", "sns", "sts"}
    regions = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1",
               "us-iso-east-1", "aws-global"]
    for service in KEPT:
        for region in regions:
            clients = [session.create_client(service, region_name=region) for session in (full, pruned)]
            resolved = [(c.meta.endpoint_url, c.meta.region_name, c.meta.partition, c._request_signer._signing_name,
                         c._request_signer._region_name, c._request_signer.signature_version) for c in clients]
            assert resolved[0] == resolved[1], (service, region)


def test_endpoints_pruning_leaves_a_stand_in_file_alone(tmp_path):
    (tmp_path / "botocore" / "data").mkdir(parents=True)
    (tmp_path / "botocore" / "data" / "endpoints.json").write_text("{}")
    assert finish_package.prune_endpoints(tmp_path, KEPT) == 0
    assert (tmp_path / "botocore" / "data" / "endpoints.json").read_text() == "{}"
