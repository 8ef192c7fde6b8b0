// Awards to providers that, on the award date, lacked a valid grade of at least $min_grade,
// failed or missed the annual inspection of the year before the award, or were on a credit list.
// The provider's standing on each award day is computed at load time from its grade, credit-list
// and inspection histories (Project.provider_*, pipelines/graph/standing.py). The grade's rank
// is spelled out (OrgGrade.rank): a look-up of the OrgGrade node would be a cartesian product.
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END OR p.provider_on_credit_list OR p.provider_inspection IS NOT NULL
RETURN p.project_id AS project_id, o.uscc AS provider_uscc, o.name AS provider, p.award_date AS award_date,
       p.contract_amount AS contract_yuan, p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END AS no_valid_grade,
       coalesce(p.provider_inspection, '') AS inspection_problem, p.provider_on_credit_list AS on_credit_list
ORDER BY project_id
