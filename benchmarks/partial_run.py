"""One partial run of the job in a process of its own, as the inbox sensor's run is (Dagster
launches each run in a new process): the benchmark's 1% change (run.py `one_percent_change`).

    python benchmarks/partial_run.py --source INBOX --output OUT --assets a,b,c

Loads the modules the full run's process had loaded before it was timed (the definitions,
Dagster, pandas, pyarrow, the embedded store), not what the job loads as it runs (Great
Expectations, loaded once a suite is offered): timed in the benchmark's own process after the
full run, the partial run found them loaded (at national scale, after 104f2d6, a partial run
in a fresh process took 13.8 s, the next one in the same process 12.0 s, 2.5 s less in the
hook that loads Great Expectations). Also the benchmark's re-run with 1% of every register
changed (run.py `rerun_every_register`), every asset selected. Prints one JSON line: the
seconds, the peak memory of the process and its children, each step's window (start and end,
seconds since the epoch) and the graph load's metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, required=True)
    ap.add_argument("--output", type=Path, required=True)
    ap.add_argument("--assets", required=True, help="the asset keys selected, comma-separated")
    args = ap.parse_args()

    from dagster import AssetKey

    import pipelines.definitions  # noqa: F401  (loaded before the timing, as for the full run)
    import pipelines.graph.store  # noqa: F401
    from benchmarks.run import RssSampler, run_job
    from pipelines.settings import Settings
    from sanshe.progress import step_windows

    settings = Settings.from_env(source_dir=args.source, output_dir=args.output)
    selection = [AssetKey(a) for a in args.assets.split(",")]
    # this process and its children, sampled as the full run is (the sampler's thread reads
    # /proc while the run goes on, in the 1% changes' runs too since 59c1da4)
    with RssSampler() as sampler:
        result, instance, seconds = run_job(settings, selection)
    windows = step_windows(instance, result.run_id, hooks=True)
    meta = result.asset_materializations_for_node("graph")[0].metadata
    ahead = result.asset_materializations_for_node("graph_changes")
    streams = ahead[0].metadata["load_streams"].value if ahead else False
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_bytes": max((r for _, r in sampler.samples), default=0),
                "steps": {k: [a, b] for k, (a, b) in windows.items()},
                "graph_load": {
                    "mode": meta["load"].value,
                    "tables": meta["tables_reloaded"].value,
                    "rows_updated": meta["rows_updated"].value,
                    "parts_built": meta["parts_built"].value,
                    "inputs_digested": meta["inputs_digested"].value,
                    # whether the load carried out was the one graph_changes built while the suite was validated
                    "built_ahead": meta["built_ahead"].value,
                    # whether graph_changes found the changed parts too many rows to hold built
                    "streamed": streams,
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
