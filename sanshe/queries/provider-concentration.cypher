// Share of each purchaser's contract value held by its top N providers.
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p   // when $scope
MATCH (b:Purchaser)-[c:COMMISSIONED]->(p:Project)-[a:AWARDED_TO]->(o:SocialOrganisation)
WHERE true
  AND p.year = $year             // when $year
// scoped, extend from the scope's projects: ladybug would hash-join all of them (1.7 s for a district)
HINT (((p JOIN c) JOIN b) JOIN a) JOIN o   // when $scope
WITH b, o, sum(p.contract_amount) AS value
WITH b, count(o) AS providers, sum(value) AS total, list_sort(collect(value), 'DESC') AS ranked
WITH b, providers, total, list_sum(list_slice(ranked, 1, $top)) AS top_value
RETURN b.uscc AS purchaser_uscc, b.name AS purchaser, providers, round(total, 2) AS contract_yuan,
       round(top_value, 2) AS top_n_yuan, round(top_value / total, 4) AS top_n_share
ORDER BY purchaser_uscc
