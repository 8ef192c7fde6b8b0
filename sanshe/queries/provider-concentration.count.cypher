// How many purchasers provider-concentration answers with over all years (see .first.cypher).
MATCH (b:Purchaser)
WHERE b.provider_count > 0
RETURN count(*) AS rows
