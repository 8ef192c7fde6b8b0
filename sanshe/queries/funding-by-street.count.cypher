// How many streets the whole answer has: those with a project (all years and categories).
MATCH (s:Street)
WHERE s.project_count > 0
RETURN count(*) AS rows
