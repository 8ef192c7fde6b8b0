// How many hubs the whole answer has: those that exist on the snapshot day.
MATCH (d:Dataset)
MATCH (h:Hub)
WHERE (h.valid_from IS NULL OR h.valid_from <= d.snapshot_date) AND (h.valid_to IS NULL OR h.valid_to > d.snapshot_date)
RETURN count(*) AS rows
