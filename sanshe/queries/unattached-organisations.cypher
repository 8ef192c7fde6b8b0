// Organisations of the federation's district, active on $as_of, that belong to no hub that day.
MATCH (fed:Hub {kind: 'federation'})-[:FOR_DISTRICT]->(:District)<-[r:IN_DISTRICT]-(s:Street)<-[:RESIDES_IN]-(o:SocialOrganisation)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
  AND (o.valid_from IS NULL OR o.valid_from <= $as_of) AND (o.valid_to IS NULL OR o.valid_to > $as_of)
  AND s.code STARTS WITH $scope   // when $scope
  AND NOT EXISTS { MATCH (o)-[m:MEMBER_OF]->(:Hub)
                   WHERE (m.valid_from IS NULL OR m.valid_from <= $as_of) AND (m.valid_to IS NULL OR m.valid_to > $as_of) }
RETURN o.uscc AS uscc, o.name AS name, o.org_type AS org_type, s.code AS street_code, s.name AS street,
       o.registration_date AS registration_date
ORDER BY street_code, uscc
