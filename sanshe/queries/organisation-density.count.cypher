// How many rows organisation-density answers on the snapshot day: its districts and its streets
// as they were that day (see .first.cypher).
MATCH (ds:Dataset)
OPTIONAL MATCH (:Street)-[r:IN_DISTRICT]->(d:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= ds.snapshot_date) AND (r.valid_to IS NULL OR r.valid_to > ds.snapshot_date)
  AND d.code STARTS WITH $scope   // when $scope
WITH ds, count(DISTINCT d) AS districts
OPTIONAL MATCH (s:Street)-[r:IN_DISTRICT]->(:District)
WHERE (r.valid_from IS NULL OR r.valid_from <= ds.snapshot_date) AND (r.valid_to IS NULL OR r.valid_to > ds.snapshot_date)
  AND s.code STARTS WITH $scope   // when $scope
WITH districts, count(r) AS streets
RETURN districts + streets AS rows
