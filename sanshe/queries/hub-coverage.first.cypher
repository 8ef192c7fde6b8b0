// The first $first_rows hubs that exist on the snapshot day (federation first, then street hubs, then
// industry hubs), with the coverage the load counted for that day (Hub.snapshot_*); used only
// when as_of is not given (this text does not name it).
MATCH (d:Dataset)
MATCH (h:Hub)
WHERE (h.valid_from IS NULL OR h.valid_from <= d.snapshot_date) AND (h.valid_to IS NULL OR h.valid_to > d.snapshot_date)
  AND (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
WITH h, CASE h.kind WHEN 'federation' THEN 0 WHEN 'street' THEN 1 ELSE 2 END AS kind_order
ORDER BY kind_order, h.hub_id
LIMIT $first_rows
RETURN h.kind AS hub_kind, h.hub_id AS hub_id, h.name AS hub_name, h.snapshot_members AS members,
       h.snapshot_with_party_branch AS with_party_branch, h.snapshot_with_liaison_only AS with_liaison_only,
       h.snapshot_with_neither AS with_neither
