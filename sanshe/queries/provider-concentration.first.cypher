// The first $first_rows purchasers by the share their 3 largest providers hold, read from the
// totals the load counted over all years (Purchaser.provider_count, contract_yuan,
// top_providers_yuan; pipelines/graph/standing.py): used only when neither top nor year is
// given (this text names neither), nor a scope.
MATCH (b:Purchaser)
WHERE b.provider_count > 0
WITH b, round(b.top_providers_yuan / b.contract_yuan, 4) AS share, round(b.contract_yuan, 2) AS total
ORDER BY share DESC, total DESC, b.uscc
LIMIT $first_rows
RETURN b.uscc AS purchaser_uscc, b.name AS purchaser, b.provider_count AS providers, total AS contract_yuan,
       round(b.top_providers_yuan, 2) AS top_n_yuan, share AS top_n_share
