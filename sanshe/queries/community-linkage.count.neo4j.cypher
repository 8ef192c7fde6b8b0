// How many communities the whole answer has: those with a street.
MATCH (c:Community)-[:IN_STREET]->(:Street)
WHERE c.code STARTS WITH $scope   // when $scope
RETURN count(*) AS rows
