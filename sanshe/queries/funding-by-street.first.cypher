// The $first_rows streets with the most funding over all years and categories, read from the totals
// the load computed (Street.project_count, Street.funding_yuan); used only when neither year
// nor category is given (this text names neither).
MATCH (s:Street)
WHERE s.project_count > 0
RETURN s.code AS street_code, s.name AS street, s.project_count AS projects, s.funding_yuan AS funding_yuan
ORDER BY funding_yuan DESC, street_code
LIMIT $first_rows
