"""The read and contract stages, the same for every register: `<register>_raw` and
`<register>_validated`. The resolve stage differs per source and lives in its folder."""

import re

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, AssetsDefinition, MetadataValue, asset

from data_contracts.base import Contract, empty_table
from data_contracts.validation import drop_duplicates, issue, issues_frame, validate_frame

from ..inbox import is_synthetic
from . import mapping as mappings
from .collector import collector_paused
from .derivation import Context, derive
from .register import FileRead, RegisterResult, read_register
from .resolve import register_tags
from .resources import SansheResource


def source_assets(model: type[Contract], group: str, grain: str) -> list[AssetsDefinition]:
    reg = model.source

    @asset(
        name=f"{reg}_raw",
        group_name=group,
        op_tags=register_tags(reg),
        description=f"The {reg} register as read from the inbox, every cell as text, one frame per file. {grain}",
    )
    def read_asset(context: AssetExecutionContext, sanshe: SansheResource) -> dict[str, FileRead]:
        with collector_paused():
            files = read_register(sanshe.settings.source_dir, model, sanshe.snapshot_date())
        context.add_output_metadata(
            {
                "rows": sum(len(f.frame) for f in files.values()),
                "files": len(files),
                "broken_lines": sum(len(f.broken) for f in files.values()),
            }
        )
        return files

    @asset(
        name=f"{reg}_validated",
        group_name=group,
        ins={"raw": AssetIn(key=f"{reg}_raw")},
        op_tags=register_tags(reg),
        description=f"The {reg} rows that pass the row contract ({model.__name__}), duplicates "
        f"resolved; quarantined rows are kept as issues. {grain}",
    )
    def validated(context: AssetExecutionContext, sanshe: SansheResource, raw: dict[str, FileRead]) -> RegisterResult:
        # each file is judged as of the date it describes ("future" means after that date)
        snapshot = sanshe.snapshot_date()
        manifest, mapping = sanshe.manifest(), mappings.load(sanshe.settings.source_dir)
        # columns a file lacks but the register can work out are derived first (derivation.py),
        # so the contract checks derived values like written ones
        derived = {
            name: derive(model, f.frame, Context.from_manifest(manifest, mapping.values_for(reg, _file_of(name))))
            for name, f in raw.items()
        }
        with collector_paused():
            checked = [
                validate_frame(
                    d.frame,
                    model,
                    d.frame["_asof"].iloc[0] if len(d.frame) else snapshot,
                    raw[name].units,
                    synthetic=is_synthetic(manifest),
                    workers=sanshe.settings.workers,
                )
                for name, d in derived.items()
            ]
        broken = [
            issue(model, name, row, None, rule, None, detail=detail)
            for name, f in raw.items()
            for row, rule, detail in f.broken
        ]
        # a register of no rows is typed by its contract, so every later step runs on it as is
        filled = [c.accepted for c in checked if len(c.accepted)]
        accepted = pd.concat(filled, ignore_index=True) if filled else empty_table(model)
        issues = pd.concat([c.issues for c in checked] + [issues_frame(broken)], ignore_index=True)
        # a key may appear once per snapshot: duplicates are judged within one date
        _, dup_issues = drop_duplicates(accepted, model, key=(*model.key, "_asof"))
        result = RegisterResult(
            reg,
            accepted,
            issues,
            sum(c.rows_read for c in checked) + len(broken),
            rows_per_file={name: len(derived[name].frame) + len(f.broken) for name, f in raw.items()},
            # the reader reports unknown header cells; it hands on only the columns the contract knows
            unknown_columns={name: f.unknown_columns for name, f in raw.items() if f.unknown_columns},
            formats={name: f.format for name, f in raw.items()},
            skipped={
                name: f.skipped + derived[name].skipped for name, f in raw.items() if f.skipped or derived[name].skipped
            },
            derived={name: d.counts for name, d in derived.items() if d.counts},
            notes={name: f.notes for name, f in raw.items() if f.notes},
        ).dropping(dup_issues)
        context.add_output_metadata(
            {
                "rows_read": result.rows_read,
                "rows_accepted": len(result.accepted),
                "rows_quarantined": result.quarantined,
                "rules_broken": MetadataValue.json(result.issues["rule"].value_counts().to_dict()),
            }
        )
        return result

    return [read_asset, validated]


def _file_of(part: str) -> str:
    """`projects/p.xlsx[数据]` -> `projects/p.xlsx`: the file a table came from."""
    return re.sub(r"\[[^\]]*\]\Z", "", part)
