// Active organisations that belong to no hub.
MATCH (o:SocialOrganisation)
WHERE o.status = '正常' AND NOT EXISTS { MATCH (o)-[:MEMBER_OF]->(:Hub) }
OPTIONAL MATCH (o)-[:RESIDES_IN]->(s:Street)
RETURN o.uscc AS uscc, o.name AS name, o.org_type AS org_type, s.code AS street_code, s.name AS street,
       o.registration_date AS registration_date
ORDER BY street_code, uscc
