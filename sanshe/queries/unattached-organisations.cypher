// Organisations of the federation's district, active on $as_of, that belong to no hub that day.
// The streets are found first and the organisations from them in a MATCH of their own: ladybug
// 0.22 loses IN_DISTRICT's filter in one pattern going on past it to the organisations
// (docs/queries.md, tests/test_relationship_order.py). The organisations are filtered after
// the WITH, so that they are reached from the streets rather than scanned (scoped to a
// national district with as_of, one probe: 0.75 s with the filter in that MATCH, 0.16 s so).
MATCH (s:Street)
WHERE s.code STARTS WITH $scope   // when $scope
MATCH (fed:Hub {kind: 'federation'})-[:FOR_DISTRICT]->(:District)<-[r:IN_DISTRICT]-(s)
WHERE (r.valid_from IS NULL OR r.valid_from <= $as_of) AND (r.valid_to IS NULL OR r.valid_to > $as_of)
WITH DISTINCT s
MATCH (s)<-[:RESIDES_IN]-(o:SocialOrganisation)
WITH s, o
WHERE (o.valid_from IS NULL OR o.valid_from <= $as_of) AND (o.valid_to IS NULL OR o.valid_to > $as_of)
  AND NOT EXISTS { MATCH (o)-[m:MEMBER_OF]->(:Hub)
                   WHERE (m.valid_from IS NULL OR m.valid_from <= $as_of) AND (m.valid_to IS NULL OR m.valid_to > $as_of) }
RETURN o.uscc AS uscc, o.name AS name, o.org_type AS org_type, s.code AS street_code, s.name AS street,
       o.registration_date AS registration_date
ORDER BY street_code, uscc
