// Share of each purchaser's contract value held by its top N providers (Neo4j form: values are
// collected in descending order and the first $top summed with reduce).
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (b:Purchaser)-[:COMMISSIONED]->(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE true
  AND p.year = $year             // when $year
WITH b, o, sum(p.contract_amount) AS value
ORDER BY value DESC
WITH b, count(o) AS providers, sum(value) AS total, collect(value) AS ranked
WITH b, providers, total, reduce(acc = 0.0, v IN ranked[0..$top] | acc + v) AS top_value
RETURN b.uscc AS purchaser_uscc, b.name AS purchaser, providers, round(total, 2) AS contract_yuan,
       round(top_value, 2) AS top_n_yuan, round(top_value / total, 4) AS top_n_share
ORDER BY purchaser_uscc
