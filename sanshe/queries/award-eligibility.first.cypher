// The first $first_rows flagged awards by project id, found on the Project table alone before their
// providers are looked up. The grade's rank is spelled out (OrgGrade.rank, ORG_GRADES' order):
// looking up the OrgGrade node made the scan a cross product, about twice as slow; the oracle
// tests try every grade. HINT: ladybug would otherwise hash-join the 100 projects with every
// organisation; extending from the projects reads only their providers.
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (p:Project)
WHERE p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END OR p.provider_on_credit_list OR p.provider_inspection IS NOT NULL
WITH p ORDER BY p.project_id LIMIT $first_rows
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o
RETURN p.project_id AS project_id, o.uscc AS provider_uscc, o.name AS provider, p.award_date AS award_date,
       p.contract_amount AS contract_yuan, p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END AS no_valid_grade,
       coalesce(p.provider_inspection, '') AS inspection_problem, p.provider_on_credit_list AS on_credit_list
