// The first $first_rows rows of organisation-density on the snapshot day, by level and code: as
// many districts and as many streets (the answer keeps the first of them), read from the
// streets' counts the load made (Street.committee_population, Street.snapshot_organisations;
// pipelines/graph/standing.py); used only when as_of is not given (this text does not name it).
MATCH (ds:Dataset)
MATCH (s:Street)-[r:IN_DISTRICT]->(d:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= ds.snapshot_date) AND (r.valid_to IS NULL OR r.valid_to > ds.snapshot_date)
  AND d.code STARTS WITH $scope   // when $scope
WITH d, toInteger(sum(s.committee_population)) AS population, toInteger(sum(s.snapshot_organisations)) AS organisations
ORDER BY d.code
LIMIT $first_rows
RETURN 'district' AS level, d.code AS district_code, d.code AS code, d.name AS name, organisations, population,
       round(organisations * 10000.0 / population, 1) AS per_10k_residents
UNION ALL
MATCH (ds:Dataset)
MATCH (s:Street)-[r:IN_DISTRICT]->(d:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= ds.snapshot_date) AND (r.valid_to IS NULL OR r.valid_to > ds.snapshot_date)
  AND s.code STARTS WITH $scope   // when $scope
WITH d.code AS district_code, s
ORDER BY s.code
LIMIT $first_rows
RETURN 'street' AS level, district_code, s.code AS code, s.name AS name, s.snapshot_organisations AS organisations,
       s.committee_population AS population, round(s.snapshot_organisations * 10000.0 / s.committee_population, 1) AS per_10k_residents
