// Per hub that exists on $as_of: its members that day (active organisations only) and their
// party-building coverage that day. Intervals are half-open: [valid_from, valid_to).
MATCH (h:Hub)
WHERE (h.valid_from IS NULL OR h.valid_from <= $as_of) AND (h.valid_to IS NULL OR h.valid_to > $as_of)
  AND (EXISTS { MATCH (h)-[:FOR_STREET]->(hs:Street) WHERE hs.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:FOR_DISTRICT]->(hd:District) WHERE hd.code STARTS WITH $scope } OR EXISTS { MATCH (h)-[:UNDER]->(:Hub)-[:FOR_DISTRICT]->(hu:District) WHERE hu.code STARTS WITH $scope })   // when $scope
OPTIONAL MATCH (o:SocialOrganisation)-[m:MEMBER_OF]->(h)
WHERE (m.valid_from IS NULL OR m.valid_from <= $as_of) AND (m.valid_to IS NULL OR m.valid_to > $as_of)
  AND (o.valid_from IS NULL OR o.valid_from <= $as_of) AND (o.valid_to IS NULL OR o.valid_to > $as_of)
WITH h, o,
     COUNT { MATCH (o)-[b:HAS_PARTY_BRANCH]->(:PartyBranch)
             WHERE (b.valid_from IS NULL OR b.valid_from <= $as_of) AND (b.valid_to IS NULL OR b.valid_to > $as_of) } > 0 AS branch,
     COUNT { MATCH (:PartyLiaison)-[l:LIAISON_FOR]->(o)
             WHERE (l.valid_from IS NULL OR l.valid_from <= $as_of) AND (l.valid_to IS NULL OR l.valid_to > $as_of) } > 0 AS liaison
RETURN h.kind AS hub_kind, h.hub_id AS hub_id, h.name AS hub_name,
       count(o) AS members,
       count(CASE WHEN branch THEN 1 END) AS with_party_branch,
       count(CASE WHEN NOT branch AND liaison THEN 1 END) AS with_liaison_only,
       count(CASE WHEN o IS NOT NULL AND NOT branch AND NOT liaison THEN 1 END) AS with_neither
ORDER BY CASE hub_kind WHEN 'federation' THEN 0 WHEN 'street' THEN 1 ELSE 2 END, hub_id
