// The hub network at the end of each year: hubs of each kind that existed, and their members
// (active organisations whose membership held that day). Each membership carries the years
// whose 31 December it counts on (year_end_first..year_end_last, computed at load time from
// the membership's, its organisation's and its hub's intervals), so the memberships are
// grouped by their years once instead of tested against each year's day.
MATCH (ds:Dataset)
WITH date_part('year', ds.snapshot_date) AS last
OPTIONAL MATCH (:SocialOrganisation)-[m:MEMBER_OF]->(h:Hub)
WHERE (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
WITH last, h.kind AS kind, coalesce(m.year_end_first, $from_year) AS first, coalesce(m.year_end_last, last) AS final, count(m) AS n
WITH last, collect({kind: kind, first: first, final: final, n: n}) AS members
// a hub exists on 31 December of year y when year(valid_from) <= y <= year(valid_to) - 1
MATCH (h:Hub)
WHERE (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
WITH last, members, h.kind AS kind,
     coalesce(date_part('year', h.valid_from), $from_year) AS first,
     coalesce(date_part('year', h.valid_to) - 1, last) AS final, count(*) AS n
UNWIND range(CASE WHEN first > $from_year THEN first ELSE $from_year END, CASE WHEN final < last THEN final ELSE last END) AS year
WITH members, year, kind, sum(n) AS hubs
UNWIND members AS s
WITH year, kind, hubs, sum(CASE WHEN s.kind = kind AND s.first <= year AND s.final >= year THEN s.n ELSE 0 END) AS members
RETURN year, kind AS hub_kind, CAST(hubs AS INT64) AS hubs, CAST(members AS INT64) AS members
ORDER BY year, CASE hub_kind WHEN 'federation' THEN 0 WHEN 'street' THEN 1 ELSE 2 END
