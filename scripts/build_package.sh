#!/usr/bin/env bash
# Builds the Lambda package of a stage offline: .build/kefir-<stage>.zip (arm64, Python 3.13).
#
# PACKAGE_ARCH=x86_64 scripts/build_package.sh STAGE builds .build/kefir-<stage>-x86_64.zip instead, from
# manylinux x86_64 wheels, with its own wheel cache and package venv. That one is for benchmarks
# only (bench/bench_cold_start.py runs it unzipped on this x86-64 machine): it is NEVER deployed.
# Lambda runs the function on arm64 (zappa_settings.json), `make package`/`check-package`/`deploy` and
# infra/deploy.sh only ever use the arm64 name, and scripts/check_package.py refuses anything but AArch64.
#
# Zappa packs the whole virtualenv named by VIRTUAL_ENV. Left to itself on this machine it would pack
# our x86-64 binaries (and, with use_precompiled_packages, only swap the directories named after each
# distribution: cffi's _cffi_backend.*.so or PyYAML's _yaml would stay x86-64). So we build a venv that
# holds only requirements.txt, installed from cp313 wheels for the target, fetched into the cache Zappa
# itself reads ($TMPDIR/cached_wheels). The target is Lambda's python3.13 runtime on Amazon Linux 2023
# (glibc 2.34): pip accepts manylinux wheels from manylinux_2_34 down to manylinux_2_17 (= manylinux2014)
# and, like pip on Amazon Linux 2023 itself, prefers the newest of them when a release ships several.
# Then Zappa packs the app, and we precompile bytecode with unchecked-hash pycs (Zappa stamps every
# file 1980-01-01, which makes timestamp-checked pycs useless: Lambda would recompile on every cold start)
# and drop botocore's models of the services the code never calls (scripts/botocore_services.txt).
set -euo pipefail

STAGE="${1:?usage: [PACKAGE_ARCH=arm64|x86_64] scripts/build_package.sh STAGE}"
case "${PACKAGE_ARCH:-arm64}" in
    arm64) MACHINE=aarch64; SUFFIX="" ;;            # what Lambda runs
    x86_64) MACHINE=x86_64; SUFFIX="-x86_64" ;;     # benchmarks on this machine only
    *) echo "PACKAGE_ARCH must be arm64 or x86_64, not '$PACKAGE_ARCH'" >&2; exit 2 ;;
esac
PYTHON_VERSION=3.13   # Lambda's runtime (zappa_settings.json: python3.13)
GLIBC_MINOR=34        # Amazon Linux 2023's glibc 2.34 (scripts/check_package.py's ceiling)
# manylinux_2_34_<machine> ... manylinux_2_17_<machine>, manylinux2014_<machine>: newest first (pip's order).
PLATFORMS=()
for minor in $(seq "$GLIBC_MINOR" -1 17); do PLATFORMS+=(--platform "manylinux_2_${minor}_$MACHINE"); done
PLATFORMS+=(--platform "manylinux2014_$MACHINE")
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PY="${PY:-$ROOT/.venv/bin/python}"           # the dev venv: has zappa and pip; never packed
BUILD="$ROOT/.build"
# Zappa's wheel cache is tempfile.gettempdir()/cached_wheels (zappa/core.py get_cached_manylinux_wheel).
# One cache and one package venv per architecture (arm64 keeps the original names).
export TMPDIR="$BUILD/tmp$SUFFIX"
WHEELS="$TMPDIR/cached_wheels"
PKG_VENV="$ROOT/.venv-package$SUFFIX"
SITE="$PKG_VENV/lib/python$PYTHON_VERSION/site-packages"
WORK="$BUILD/$STAGE$SUFFIX"
OUT="$BUILD/kefir-$STAGE$SUFFIX.zip"
TARGET=("${PLATFORMS[@]}" --python-version "$PYTHON_VERSION" --implementation cp --abi "cp${PYTHON_VERSION/./}")
# This machine's pip configuration adds local find-links that may not exist; their warnings are noise.
quiet_pip() { "$PY" -m pip "$@" --quiet --disable-pip-version-check 2> >(grep -v "is ignored: it is neither" >&2); }

"$PY" - "$PYTHON_VERSION" <<'PYEOF'
import sys
if "%d.%d" % sys.version_info[:2] != sys.argv[1]:
    sys.exit(f"build Python must be {sys.argv[1]} (the Lambda runtime), not {sys.version.split()[0]}: {sys.executable}")
PYEOF
"$PY" - "$STAGE" "$PYTHON_VERSION" <<'PYEOF'
import json, sys
stage, version = sys.argv[1:]
stages = json.load(open("zappa_settings.json"))
if stage not in stages:
    sys.exit(f"unknown stage {stage!r}; zappa_settings.json has {sorted(stages)}")
config = stages[stage]
while "runtime" not in config and "extends" in config:  # Zappa's own `extends`
    config = stages[config["extends"]]
if config.get("runtime") != f"python{version}":
    sys.exit(f"zappa_settings.json {stage}: runtime {config.get('runtime')!r}, but this builds for python{version}")
PYEOF

start=$(date +%s)
mkdir -p "$WHEELS"
# The caches are keyed by requirements.txt and the target: a new Python or glibc ceiling fetches again.
req_hash="$( { cat requirements.txt; echo "${TARGET[*]}"; } | sha256sum | cut -d' ' -f1)"

# 1. Target wheels, downloaded once per requirements.txt (then the build needs no network).
if [[ "$(cat "$WHEELS/.requirements.sha256" 2>/dev/null)" != "$req_hash" ]]; then
    echo "== fetching cp${PYTHON_VERSION/./} manylinux $MACHINE wheels (glibc <= 2.$GLIBC_MINOR) into $WHEELS"
    # requirements.txt pins every transitive dependency, so --no-deps loses nothing; it also lets pip
    # fetch the sdist of a pure-Python
    # package that publishes no wheel (placebo), which we then build into a py3-none-any wheel.
    quiet_pip download --no-deps --prefer-binary "${TARGET[@]}" -r requirements.txt -d "$WHEELS"
    shopt -s nullglob
    for sdist in "$WHEELS"/*.tar.gz "$WHEELS"/*.zip; do
        quiet_pip wheel --no-deps "$sdist" -w "$WHEELS/.sdist-build"
        rm -f "$sdist"
    done
    for wheel in "$WHEELS"/.sdist-build/*.whl; do
        # A wheel built here is for this machine: only a pure-Python one may go to Lambda.
        [[ "$wheel" == *-none-any.whl ]] || { echo "no manylinux $MACHINE wheel for $(basename "$wheel")" >&2; exit 1; }
        mv "$wheel" "$WHEELS/"
    done
    shopt -u nullglob
    rm -rf "$WHEELS/.sdist-build"
    echo "$req_hash" > "$WHEELS/.requirements.sha256"
fi

# 2. The package venv: exactly requirements.txt, target binaries only, installed offline from the cache.
if [[ "$(cat "$PKG_VENV/.requirements.sha256" 2>/dev/null)" != "$req_hash" ]]; then
    echo "== installing requirements.txt (cp${PYTHON_VERSION/./} $MACHINE) into $PKG_VENV"
    rm -rf "$PKG_VENV"
    "$PY" -m venv --without-pip "$PKG_VENV"
    mkdir -p "$SITE"
    # --no-deps: requirements.txt pins the whole closure (the dev venv resolves it with dependencies);
    # the one thing it leaves out is pip itself, which zappa declares but Lambda never needs.
    quiet_pip install --no-index --find-links "$WHEELS" "${TARGET[@]}" --only-binary=:all: --no-deps \
        --no-compile --target "$SITE" -r requirements.txt
    rm -rf "${SITE:?}/bin"  # console scripts with this machine's shebang: nothing on Lambda runs them
    echo "$req_hash" > "$PKG_VENV/.requirements.sha256"
fi

# 3. A clean copy of the app (nothing from the dev tree but code and settings).
SRC="$WORK/src"
rm -rf "${WORK:?}"
mkdir -p "$SRC"
cp -r manage.py zappa_settings.json kefir apps "$SRC/"
[[ -d templates ]] && cp -r templates "$SRC/"
find "$SRC" -name __pycache__ -prune -exec rm -rf {} +

# 4. Static files (admin, browsable API) with WhiteNoise's hashed, compressed manifest.
# collectstatic only reads STATIC*, but kefir.settings.aws refuses to load without its variables:
# these placeholders never reach Lambda (the real values come from zappa_settings.json / deploy.sh).
echo "== collectstatic (t+$(( $(date +%s) - start )) s)"
(cd "$SRC" && env DJANGO_SETTINGS_MODULE=kefir.settings.aws KEFIR_STAGE="$STAGE" \
    DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=build DYNAMODB_TABLE_NAME=build \
    PHOTOS_BUCKET=build COGNITO_USER_POOL_ID=build COGNITO_APP_CLIENT_ID=build \
    PUBLIC_BASE_URL=https://build.invalid DEFAULT_FROM_EMAIL=build@build.invalid \
    "$PY" manage.py collectstatic --noinput -v 0)

# 5. Zappa packs the app and the package venv (no AWS call, no PyPI call: use_precompiled_packages false).
echo "== zappa package $STAGE (t+$(( $(date +%s) - start )) s)"
(cd "$SRC" && VIRTUAL_ENV="$PKG_VENV" "$ROOT/.venv/bin/zappa" package "$STAGE" -o "$WORK/raw.zip" \
    > "$WORK/zappa.log" 2>&1) || { cat "$WORK/zappa.log"; exit 1; }

# 6. botocore's models of the listed services only (scripts/botocore_services.txt), then bytecode for
# Lambda's Python 3.13, valid whatever the files' timestamps, with /var/task paths.
echo "== pruning botocore, precompiling bytecode (t+$(( $(date +%s) - start )) s)"
PYTHONHASHSEED=0 "$PY" "$ROOT/scripts/finish_package.py" "$WORK/raw.zip" "$OUT" --work "$WORK/pkg"
rm -rf "$WORK/pkg" "$WORK/raw.zip"

echo "== built $OUT ($(du -h "$OUT" | cut -f1)) in $(( $(date +%s) - start )) s"
