// Active organisations per 10,000 residents: each street, then the district.
MATCH (c:Community)-[:IN_STREET]->(s:Street)
WITH s, CAST(sum(c.population) AS INT64) AS population
WITH s, population, COUNT { MATCH (o:SocialOrganisation)-[:RESIDES_IN]->(s) WHERE o.status = '正常' } AS organisations
RETURN 'street' AS level, s.code AS code, s.name AS name, organisations, population,
       round(organisations * 10000.0 / population, 1) AS per_10k_residents
UNION ALL
MATCH (c:Community)-[:IN_STREET]->(:Street)-[:IN_DISTRICT]->(d:District)
WITH d, CAST(sum(c.population) AS INT64) AS population
WITH d, population,
     COUNT { MATCH (o:SocialOrganisation)-[:RESIDES_IN]->(:Street)-[:IN_DISTRICT]->(d) WHERE o.status = '正常' } AS organisations
RETURN 'district' AS level, d.code AS code, d.name AS name, organisations, population,
       round(organisations * 10000.0 / population, 1) AS per_10k_residents
