// How many hubs the whole answer has: those that exist on the snapshot day.
MATCH (d:Dataset)
MATCH (h:Hub)
WHERE (h.valid_from IS NULL OR h.valid_from <= d.snapshot_date) AND (h.valid_to IS NULL OR h.valid_to > d.snapshot_date)
  AND (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
RETURN count(*) AS rows
