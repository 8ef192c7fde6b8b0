// Projects, budget and contract value per purchasing body.
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (b:Purchaser)-[:COMMISSIONED]->(p:Project)
WHERE true
  AND p.year = $year             // when $year
  AND p.category = $category     // when $category
RETURN b.uscc AS purchaser_uscc, b.name AS purchaser, count(p) AS projects,
       round(sum(p.budget), 2) AS budget_yuan, round(sum(p.contract_amount), 2) AS contract_yuan
ORDER BY purchaser_uscc
