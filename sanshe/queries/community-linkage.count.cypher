// How many communities the whole answer has: those with a street.
MATCH (c:Community)-[i:IN_STREET]->(s:Street)
WHERE c.code STARTS WITH $scope   // when $scope
HINT (c JOIN i) JOIN s
RETURN count(*) AS rows
