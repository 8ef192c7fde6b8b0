// How many rows the whole answer has: one per flagged award (a project with no provider has no
// standing, so its filter is NULL and it is not counted, as it has no AWARDED_TO edge).
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (p:Project)
WHERE p.provider_grade_rank < CASE $min_grade WHEN '1A' THEN 1 WHEN '2A' THEN 2 WHEN '3A' THEN 3 WHEN '4A' THEN 4 WHEN '5A' THEN 5 END OR p.provider_on_credit_list OR p.provider_inspection IS NOT NULL
RETURN count(*) AS rows
