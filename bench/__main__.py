"""`make bench`: run every bench/bench_*.py module's main(), each in its own process.

Each benchmark starts its own emulator, so they run one after another in fresh interpreters.
`python -m bench NAME` runs one (e.g. `python -m bench requests_per_call`).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    wanted = set(sys.argv[1:])
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if wanted:
        modules = [m for m in modules if m.removeprefix("bench_") in wanted or m in wanted]
    failed = []
    for module in modules:
        print(f"\n# {module}", flush=True)
        code = subprocess.call([sys.executable, "-c", f"import bench.{module} as b; b.main()"], cwd=HERE.parent)
        if code:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
