"""botocore's models in the Lambda package: one kept list (scripts/botocore_services.txt), pruned by
scripts/finish_package.py, enforced by scripts/check_package.py, and matched against the code."""

import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import botocore
import botocore.auth
import botocore.session
import botocore.signers
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_package  # noqa: E402
import finish_package  # noqa: E402

KEPT = finish_package.kept_botocore_services()
SITE = Path(botocore.__file__).resolve().parent.parent
DATA = SITE / "botocore" / "data"
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
    """A small stand-in for Zappa's zip: botocore's root data, the real models (and examples) of `services`,
    stand-ins of others, boto3 resources, one module."""
    files = {"botocore/__init__.py": b"", "app.py": b"VALUE = {'a', 'b'}\n",
             "boto3/data/s3/2006-03-01/resources-1.json": b"{}", "boto3/data/ec2/2016-11-15/resources-1.json": b"{}"}
    for name in check_package.BOTOCORE_ROOT_FILES:
        files[f"botocore/data/{name}"] = b"{}"
    for service in services:
        for path in sorted((DATA / service).glob("*/*")):
            if path.name.startswith(("service-2.json", "examples-1.json")):
                files[path.relative_to(SITE).as_posix()] = path.read_bytes()
    for service in ("ec2", "ssm"):
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
    assert "__pycache__/app.cpython-313.pyc" in names
    # The kept models went through the documentation step: gzip with no time and no name, no examples.
    assert "botocore/data/dynamodb/2012-08-10/examples-1.json" in zipfile.ZipFile(raw).namelist()
    assert not any(n.endswith("/examples-1.json") for n in names)
    models = sorted(n for n in names if n.endswith("/service-2.json.gz"))
    assert len(models) >= len(KEPT)
    for name in models:
        data = zipfile.ZipFile(first).read(name)
        # No FNAME flag, mtime 0, best compression. (The OS byte after these is 255, "unknown", since Python 3.13.)
        assert data[:9] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02"
        assert finish_package.strip_model_documentation(json.loads(gzip.decompress(data))) == 0
    assert check_package.check_package(str(first), create_clients=False, services=KEPT)[0] == []


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


STRIPPED_MODEL = gzip.compress(b'{"version":"2.0","metadata":{},"operations":{},"shapes":{}}', mtime=0)


def pruned_files(services: list[str]) -> dict[str, bytes]:
    files = {"botocore/__init__.py": b""}
    files.update({f"botocore/data/{n}": b"{}" for n in check_package.BOTOCORE_ROOT_FILES})
    files.update({f"botocore/data/{s}/2020-01-01/service-2.json.gz": STRIPPED_MODEL for s in services})
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


def test_a_kept_model_still_holding_its_documentation_fails_and_a_stripped_one_passes(tmp_path):
    files = pruned_files(KEPT)
    documented = {"version": "2.0", "documentation": "<p>The service.</p>", "operations": {},
                  "shapes": {"Name": {"type": "string", "documentation": "<p>A name.</p>"}}}
    files["botocore/data/sts/2011-06-15/service-2.json"] = json.dumps(documented).encode()
    files["botocore/data/ses/2010-12-01/service-2.json.gz"] = b"not gzip"
    problems, _ = check_package.check_package(package(tmp_path, files), create_clients=False)
    assert problems == [
        "botocore/data/ses/2010-12-01/service-2.json.gz: unreadable model (Not a gzipped file (b'no'))",
        "botocore/data/sts/2011-06-15/service-2.json: still holds 2 documentation strings, which every client "
        "creation parses (not stripped by scripts/finish_package.py?)",
    ]
    finish_package.strip_model_documentation(documented)
    files["botocore/data/sts/2011-06-15/service-2.json"] = json.dumps(documented).encode()
    del files["botocore/data/ses/2010-12-01/service-2.json.gz"]
    assert check_package.check_package(package(tmp_path, files), create_clients=False)[0] == []


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
    finish_package.prune_endpoints(tmp_path, KEPT)
    finish_package.strip_botocore_documentation(tmp_path, KEPT)
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


def without_documentation(node: object, path: tuple[str, ...] = ()) -> object:
    """A copy of a model without any "documentation" key holding a string, except under clientContextParams
    (botocore reads those at endpoint resolution): written independently of finish_package's step."""
    if isinstance(node, dict):
        return {k: without_documentation(v, (*path, k)) for k, v in node.items()
                if not (k == "documentation" and isinstance(v, str) and "clientContextParams" not in path)}
    if isinstance(node, list):
        return [without_documentation(v, path) for v in node]
    return node


def shape_structure(shape) -> tuple:
    """What botocore builds, serializes and parses from a shape (its documentation aside)."""
    refs = {"members": {n: s.name for n, s in getattr(shape, "members", {}).items()}}
    for attr in ("member", "key", "value"):
        if getattr(shape, attr, None) is not None:
            refs[attr] = getattr(shape, attr).name
    return (shape.name, shape.type_name, shape.serialization, shape.metadata, refs,
            getattr(shape, "required_members", None), getattr(shape, "enum", None))


def operation_structure(operation) -> tuple:
    """What botocore builds a request of an operation from (its documentation aside)."""
    return (operation.http, operation.metadata, operation.auth_type, operation.auth,
            [(p.name, p.member_name) for p in operation.context_parameters],
            [(p.name, p.value) for p in operation.static_context_parameters],
            operation.input_shape and operation.input_shape.name,
            operation.output_shape and operation.output_shape.name,
            [e.name for e in operation.error_shapes])


# One request per kept service, as the code sends them (kefir.aws, PynamoDB, django-ses, Zappa).
SAMPLE_CALLS = {
    "dynamodb": ("query", {"TableName": "kefir", "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
                           "ExpressionAttributeValues": {":pk": {"S": "USER#1"}, ":sk": {"S": "PHOTO#"}},
                           "Limit": 25, "ScanIndexForward": False}),
    "s3": ("put_object", {"Bucket": "kefir-photos", "Key": "u/1/ph\u00f6to.jpg", "Body": b"\xff\xd8jpeg",
                          "ContentType": "image/jpeg", "Metadata": {"owner": "1"}}),
    "cognito-idp": ("admin_get_user", {"UserPoolId": "us-east-1_Abc123", "Username": "user@example.com"}),
    "ses": ("send_raw_email", {"RawMessage": {"Data": b"Subject: code\r\n\r\n123456"},
                               "Source": "no-reply@example.com"}),
    "lambda": ("invoke", {"FunctionName": "kefir-dev", "InvocationType": "Event", "Payload": b'{"task": 1}'}),
    "sns": ("publish", {"TopicArn": "arn:aws:sns:us-east-1:123456789012:kefir", "Message": "{}"}),
    "sts": ("get_caller_identity", {}),
}


class Sent(Exception):
    """Raised by a before-send handler: the request as it would go on the wire, nothing sent."""

    def __init__(self, request):
        super().__init__(request.url)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "amz-sdk-invocation-id"}
        body = request.body.read() if hasattr(request.body, "read") else request.body
        self.wire = (request.method, request.url, headers, body)


def _raise_sent(request, **kwargs):
    raise Sent(request)


def wire_request(session: botocore.session.Session, service: str) -> tuple:
    client = session.create_client(service, region_name="us-east-1")
    client.meta.events.register("before-send", _raise_sent)
    operation, params = SAMPLE_CALLS[service]
    with pytest.raises(Sent) as sent:
        getattr(client, operation)(**params)
    return sent.value.wire


def test_the_documentation_step_leaves_every_kept_model_as_botocore_uses_it(tmp_path, monkeypatch):
    # The kept services' folders only: botocore/data's root files then come from botocore's own folder, as
    # on Lambda (an endpoints.json found elsewhere makes botocore hand its legacy endpoint to the rule sets).
    data = tmp_path / "botocore" / "data"
    for service in KEPT:
        shutil.copytree(DATA / service, data / service)
    before, after = finish_package.strip_botocore_documentation(tmp_path, KEPT)
    assert after < before / 3
    assert not list(data.glob("*/*/examples-1.json*"))
    for original in sorted(p for s in KEPT for p in (DATA / s).glob("*/service-2.json*")):
        stripped = data / original.relative_to(DATA)
        read = [json.loads(finish_package.model_json(p.read_bytes(), p.name)) for p in (original, stripped)]
        assert read[1] == without_documentation(read[0]), original
        assert finish_package.strip_model_documentation(read[1]) == 0
    assert set(SAMPLE_CALLS) == set(KEPT)

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:  # the settings point at moto
        monkeypatch.delenv(name)  # AWS's own endpoints: the rule sets run in full, with clientContextParams
    fixed = datetime.datetime(2026, 1, 2, 3, 4, 5)  # signatures then compare too
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: fixed)
    monkeypatch.setattr(botocore.signers, "get_current_datetime", lambda remove_tzinfo=True: fixed)
    full, stripped = _session_with_data(None), _session_with_data(data)
    loader = stripped.get_component("data_loader")
    for service in KEPT:
        version = loader.determine_latest_version(service, "service-2")
        assert loader.load_data_with_path(f"{service}/{version}/service-2")[1].startswith(str(data))
        models = [session.get_service_model(service) for session in (full, stripped)]
        assert models[0].operation_names == models[1].operation_names
        assert models[0].metadata == models[1].metadata
        assert [(p.name, p.type) for p in models[0].client_context_parameters] == [
            (p.name, p.type) for p in models[1].client_context_parameters]
        assert list(models[0].shape_names) == list(models[1].shape_names)
        for name in models[0].shape_names:
            assert shape_structure(models[0].shape_for(name)) == shape_structure(models[1].shape_for(name))
        for name in models[0].operation_names:
            ops = [operation_structure(m.operation_model(name)) for m in models]
            assert ops[0] == ops[1], (service, name)
        assert wire_request(full, service) == wire_request(stripped, service), service
    # kefir.aws's s3 client (SigV4) presigns uploads and downloads.
    s3 = [session.create_client("s3", region_name="eu-west-1", config=Config(signature_version="s3v4"))
          for session in (full, stripped)]
    presigned = [c.generate_presigned_url("put_object", ExpiresIn=900, Params={
        "Bucket": "kefir-photos", "Key": "u/1/a.jpg", "ContentType": "image/jpeg"}) for c in s3]
    assert presigned[0] == presigned[1] and "X-Amz-Signature=" in presigned[0]
    posts = [c.generate_presigned_post("kefir-photos", "u/1/${filename}",
                                       Conditions=[["content-length-range", 1, 10_000_000]]) for c in s3]
    assert posts[0] == posts[1] and "x-amz-signature" in posts[0]["fields"]


def test_documentation_goes_only_where_it_is_a_string_and_botocore_never_needs_it():
    model = {
        "version": "2.0", "documentation": "<p>The service.</p>",
        "clientContextParams": {"Accelerate": {"type": "boolean", "documentation": "Read by botocore."}},
        "operations": {"Describe": {
            "name": "Describe", "documentation": "<p>Describes.</p>",
            "input": {"shape": "Request"}, "output": {"shape": "Page", "documentation": "<p>A page.</p>"},
            "errors": [{"shape": "NotFound", "documentation": "<p>Missing.</p>"}]}},
        "shapes": {
            "Request": {"type": "structure", "documentation": "<p>In.</p>", "members": {
                "documentation": {"shape": "Text", "documentation": "<p>A member named documentation.</p>"},
                "Name": {"shape": "Text", "locationName": "name"}}},
            "Page": {"type": "list", "member": {"shape": "Text", "documentation": "<p>An item.</p>"}},
            "Tags": {"type": "map", "key": {"shape": "Text", "documentation": "k"},
                     "value": {"shape": "Text", "documentation": "v"}},
            "NotFound": {"type": "structure", "members": {}, "exception": True, "documentation": "<p>404</p>"},
            "Text": {"type": "string", "documentation": {"not": "a string"}},
        },
    }
    assert finish_package.strip_model_documentation(model) == 10
    assert model == {
        "version": "2.0",
        "clientContextParams": {"Accelerate": {"type": "boolean", "documentation": "Read by botocore."}},
        "operations": {"Describe": {"name": "Describe", "input": {"shape": "Request"}, "output": {"shape": "Page"},
                                    "errors": [{"shape": "NotFound"}]}},
        "shapes": {
            "Request": {"type": "structure", "members": {"documentation": {"shape": "Text"},
                                                         "Name": {"shape": "Text", "locationName": "name"}}},
            "Page": {"type": "list", "member": {"shape": "Text"}},
            "Tags": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}},
            "NotFound": {"type": "structure", "members": {}, "exception": True},
            "Text": {"type": "string", "documentation": {"not": "a string"}},
        },
    }
    assert list(model["shapes"]["Request"]["members"]) == ["documentation", "Name"]  # order kept


def test_stripped_models_are_written_in_their_own_format_reproducibly(tmp_path):
    folder = tmp_path / "botocore" / "data" / "sts" / "2011-06-15"
    folder.mkdir(parents=True)
    model = {"version": "2.0", "metadata": {"serviceId": "STS"}, "documentation": "<p>\u00e9</p>",
             "operations": {}, "shapes": {"B": {"type": "string"}, "A": {"type": "string", "documentation": "x"}}}
    (folder / "service-2.json").write_text(json.dumps(model, indent=2))
    with gzip.GzipFile(folder / "service-2.json.gz", "wb", mtime=1_700_000_000) as fh:  # a named, dated header
        fh.write(json.dumps(model).encode())
    (folder / "examples-1.json").write_text('{"examples": {}}')
    finish_package.strip_botocore_documentation(tmp_path, ["sts"])
    expected = b'{"version":"2.0","metadata":{"serviceId":"STS"},"operations":{},"shapes":{"B":{"type":"string"},' \
               b'"A":{"type":"string"}}}'
    assert (folder / "service-2.json").read_bytes() == expected
    packed = (folder / "service-2.json.gz").read_bytes()
    assert gzip.decompress(packed) == expected and packed == gzip.compress(expected, compresslevel=9, mtime=0)
    assert packed[3] == 0 and packed[4:8] == bytes(4)  # no file name, no time
    assert sorted(p.name for p in folder.iterdir()) == ["service-2.json", "service-2.json.gz"]
