// The first $first_rows flagged awards by project id, found on the Project nodes alone before their
// providers are looked up (the embedded store's text adds a join-order HINT Neo4j has no use for).
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (p:Project)
WHERE p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END OR p.provider_on_credit_list OR p.provider_inspection IS NOT NULL
WITH p ORDER BY p.project_id LIMIT $first_rows
MATCH (p)-[:AWARDED_TO]->(o:SocialOrganisation)
RETURN p.project_id AS project_id, o.uscc AS provider_uscc, o.name AS provider, p.award_date AS award_date,
       p.contract_amount AS contract_yuan, p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END AS no_valid_grade,
       coalesce(p.provider_inspection, '') AS inspection_problem, p.provider_on_credit_list AS on_credit_list
