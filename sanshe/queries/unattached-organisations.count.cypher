// How many rows unattached-organisations answers on the snapshot day (see .first.cypher).
MATCH (o:SocialOrganisation)-[g:OUTSIDE_NETWORK]->(:Hub)
MATCH (o)-[:RESIDES_IN]->(s:Street) WHERE s.code STARTS WITH $scope   // when $scope
RETURN count(g) AS rows
