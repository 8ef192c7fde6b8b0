"""The read and contract stages, the same for every register: `<register>_raw` and
`<register>_validated`. The resolve stage differs per source and lives in its folder."""


import pandas as pd
from dagster import AssetExecutionContext, AssetIn, AssetsDefinition, MetadataValue, asset

from data_contracts.base import Contract, drop_duplicates, validate_frame

from .register import RegisterResult, empty_issues, read_register
from .resources import SansheResource


def source_assets(model: type[Contract], group: str, grain: str) -> list[AssetsDefinition]:
    reg = model.source

    @asset(name=f"{reg}_raw", group_name=group,
           description=f"The {reg} register as read from the inbox, every cell as text, one frame "
                       f"per file. {grain}")
    def read_asset(context: AssetExecutionContext, sanshe: SansheResource):
        frames, errors = read_register(sanshe.settings.source_dir, model)
        context.add_output_metadata({"rows": sum(len(f) for f in frames.values()),
                                     "files": len(frames), "unreadable_files": len(errors)})
        return frames, errors

    @asset(name=f"{reg}_validated", group_name=group, ins={"raw": AssetIn(key=f"{reg}_raw")},
           description=f"The {reg} rows that pass the row contract ({model.__name__}), duplicates "
                       f"resolved; quarantined rows are kept as issues. {grain}")
    def validated(context: AssetExecutionContext, sanshe: SansheResource, raw) -> RegisterResult:
        frames, errors = raw
        snapshot = sanshe.snapshot_date()
        checked = [validate_frame(frame, model, snapshot) for frame in frames.values()]
        accepted = pd.concat([c.accepted for c in checked], ignore_index=True) if checked else \
            pd.DataFrame(columns=[*model.model_fields, "_file", "_row"])
        issues = pd.concat([c.issues for c in checked], ignore_index=True) if checked else empty_issues()
        _, dup_issues = drop_duplicates(accepted, model)
        result = RegisterResult(
            reg, accepted, issues, sum(c.rows_read for c in checked),
            rows_per_file={f: len(fr) for f, fr in frames.items()},
            file_errors=errors,
            unknown_columns={f: c.unknown_columns for f, c in zip(frames, checked, strict=True) if c.unknown_columns},
        ).dropping(dup_issues)
        context.add_output_metadata({
            "rows_read": result.rows_read, "rows_accepted": len(result.accepted),
            "rows_quarantined": result.quarantined,
            "rules_broken": MetadataValue.json(result.issues["rule"].value_counts().to_dict()),
        })
        return result

    return [read_asset, validated]
