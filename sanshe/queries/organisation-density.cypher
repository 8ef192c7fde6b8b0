// Organisations active on $as_of per 10,000 residents: each district as it was that day, then
// each street. Population is summed from the committees (the latest figure), not stored.
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[r:IN_DISTRICT]->(d:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
  AND d.code STARTS WITH $scope   // when $scope
WITH d, CAST(sum(c.population) AS INT64) AS population
WITH d, population,
     COUNT { MATCH (o:SocialOrganisation)-[:RESIDES_IN]->(:Street)-[r2:IN_DISTRICT]->(d)
             WHERE (r2.valid_from IS NULL OR r2.valid_from <= $as_of) AND (r2.valid_to IS NULL OR r2.valid_to > $as_of)
               AND (o.valid_from IS NULL OR o.valid_from <= $as_of) AND (o.valid_to IS NULL OR o.valid_to > $as_of) } AS organisations
// `d.code + ''`: ladybug 0.22 mis-binds (or crashes on) a UNION whose first part repeats an expression
RETURN 'district' AS level, d.code AS district_code, d.code + '' AS code, d.name AS name, organisations, population,
       round(organisations * 10000.0 / population, 1) AS per_10k_residents
UNION ALL
MATCH (c:Community)-[:IN_STREET]->(s:Street)-[r:IN_DISTRICT]->(d:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
  AND s.code STARTS WITH $scope   // when $scope
WITH d.code AS district_code, s, CAST(sum(c.population) AS INT64) AS population
WITH district_code, s, population,
     COUNT { MATCH (o:SocialOrganisation)-[:RESIDES_IN]->(s)
             WHERE (o.valid_from IS NULL OR o.valid_from <= $as_of) AND (o.valid_to IS NULL OR o.valid_to > $as_of) } AS organisations
RETURN 'street' AS level, district_code, s.code AS code, s.name AS name, organisations, population,
       round(organisations * 10000.0 / population, 1) AS per_10k_residents
