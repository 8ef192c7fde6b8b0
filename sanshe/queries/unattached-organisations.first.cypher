// The first $first_rows organisations outside the hub network on the snapshot day, by street code and
// code: the load found them (OUTSIDE_NETWORK, pipelines/graph/standing.py); used only when
// as_of is not given (this text does not name it).
MATCH (o:SocialOrganisation)-[:OUTSIDE_NETWORK]->(:Hub)
MATCH (o)-[:RESIDES_IN]->(s:Street)
WHERE s.code STARTS WITH $scope   // when $scope
WITH o, s ORDER BY s.code, o.uscc LIMIT $first_rows
RETURN o.uscc AS uscc, o.name AS name, o.org_type AS org_type, s.code AS street_code, s.name AS street,
       o.registration_date AS registration_date
