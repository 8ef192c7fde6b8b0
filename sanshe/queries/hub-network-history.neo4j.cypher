// The hub network at the end of each year: hubs of each kind that existed, and their members
// (active organisations whose membership held that day).
MATCH (ds:Dataset)
UNWIND range($from_year, ds.snapshot_date.year) AS year
WITH year, date({year: year, month: 12, day: 31}) AS day
MATCH (h:Hub)
WHERE (h.valid_from IS NULL OR h.valid_from <= day) AND (h.valid_to IS NULL OR h.valid_to > day)
  AND (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
OPTIONAL MATCH (o:SocialOrganisation)-[m:MEMBER_OF]->(h)
WHERE (m.valid_from IS NULL OR m.valid_from <= day) AND (m.valid_to IS NULL OR m.valid_to > day)
  AND (o.valid_from IS NULL OR o.valid_from <= day) AND (o.valid_to IS NULL OR o.valid_to > day)
WITH year, h, count(o) AS members
RETURN year, h.kind AS hub_kind, count(h) AS hubs, sum(members) AS members
ORDER BY year, CASE hub_kind WHEN 'federation' THEN 0 WHEN 'street' THEN 1 ELSE 2 END
