// Contract value per street; a project serving n communities gives each 1/n of its value.
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (p:Project)
WHERE true
  AND p.year = $year             // when $year
  AND p.category = $category     // when $category
MATCH (p)-[:DELIVERED_IN]->(:Community)-[:IN_STREET]->(s:Street)
WHERE true
  AND s.code STARTS WITH $scope   // when $scope
// community_count: the project's DELIVERED_IN edges, counted at load time
WITH s, p, sum(p.contract_amount / p.community_count) AS share
RETURN s.code AS street_code, s.name AS street, count(p) AS projects, round(sum(share), 2) AS funding_yuan
ORDER BY street_code
