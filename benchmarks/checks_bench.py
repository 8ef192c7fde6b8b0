"""Read and contract checks of each register, outside Dagster, for comparing two checkouts.

    python benchmarks/checks_bench.py                         # this checkout, every register
    python benchmarks/checks_bench.py --before ../old-checkout --rounds 2 projects workers

For each register (and round), in a fresh process each: read the register's files
(read_register), derive what the files lack (derivation.py, where the checkout has it) and run
the contract (validate_frame): the `read` and `contract checks` stages of benchmarks/run.py,
without the rest of the job. With `--before DIR`, that checkout (its own generated registers
under DIR/benchmarks/data/<scale>) runs first, then this one, register by register, so both
see the same machine; the machines are noisy, so compare the pairs, not runs far apart. Prints
one line per register and run; writes nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: what one process runs: argv = checkout, inbox, register
_ONE = r"""
import datetime as dt, sys, time
from pathlib import Path
repo, src, reg = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
sys.path.insert(0, repo)
from data_contracts import CONTRACTS
from data_contracts.validation import validate_frame
from pipelines.common.register import read_register
import yaml
manifest = yaml.safe_load((src / "manifest.yaml").read_text(encoding="utf-8"))
model, snap = CONTRACTS[reg], dt.date.fromisoformat(str(manifest["snapshot_date"]))
try:
    from pipelines.common import mapping as mappings
    from pipelines.common.derivation import Context, derive
    from pipelines.inbox import is_synthetic, read_manifest
    manifest = read_manifest(src)
    mapping, extra = mappings.load(src), {"synthetic": is_synthetic(manifest)}
except ImportError:  # a checkout from before derivations and the synthetic flag
    derive, extra = None, {}
# the collector paused, as the run's read and contract stages run (pipelines/common/collector.py):
# with it on, the national projects' checks took 14.6 s against 10.1 s in one process
import gc
gc.disable()
t = time.perf_counter()
files = read_register(src, model, snap)
read = time.perf_counter() - t
t = time.perf_counter()
for name, f in files.items():
    frame = f.frame
    if derive is not None:
        frame = derive(model, frame, Context.from_manifest(manifest, mapping.values_for(reg, name))).frame
    validate_frame(frame, model, snap, f.units, **extra)
rows = sum(len(f.frame) for f in files.values())
print(f"{reg:<18} rows {rows:>9,}  read {read:6.1f} s  contract checks {time.perf_counter() - t:6.1f} s")
"""


def run(checkout: Path, inbox: Path, register: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _ONE, str(checkout), str(inbox), register], cwd=checkout, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 else f"{register}: failed: {done.stderr.strip()[-300:]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("registers", nargs="*", help="registers to measure (default: every one)")
    ap.add_argument("--scale", default="national", choices=["district", "city", "province", "national"])
    ap.add_argument("--before", type=Path, help="another checkout to measure first, register by register")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.results_file import scale_inputs
    from data_contracts import CONTRACTS

    inbox, _ = scale_inputs(args.scale)
    checkouts = [("after ", REPO, inbox)]
    if args.before:
        before = args.before.resolve()
        checkouts.insert(0, ("before", before, before / "benchmarks" / "data" / args.scale))
    for r in range(1, args.rounds + 1):
        for register in args.registers or list(CONTRACTS):
            for label, checkout, data in checkouts:
                print(f"round {r} {label if args.before else ''} {run(checkout, data, register)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
