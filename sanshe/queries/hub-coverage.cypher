// Per hub: active member organisations and their party-building coverage.
MATCH (h:Hub)
OPTIONAL MATCH (o:SocialOrganisation)-[:MEMBER_OF]->(h)
WHERE o.status = '正常'
WITH h, o,
     COUNT { MATCH (o)-[:HAS_PARTY_BRANCH]->(:PartyBranch) } > 0 AS branch,
     COUNT { MATCH (:PartyLiaison)-[:LIAISON_FOR]->(o) } > 0 AS liaison
RETURN h.kind AS hub_kind, h.hub_id AS hub_id, h.name AS hub_name,
       count(o) AS members,
       count(CASE WHEN branch THEN 1 END) AS with_party_branch,
       count(CASE WHEN NOT branch AND liaison THEN 1 END) AS with_liaison_only,
       count(CASE WHEN o IS NOT NULL AND NOT branch AND NOT liaison THEN 1 END) AS with_neither
ORDER BY CASE hub_kind WHEN 'federation' THEN 0 WHEN 'street' THEN 1 ELSE 2 END, hub_id
