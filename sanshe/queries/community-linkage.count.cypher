// How many communities the whole answer has: those with a street.
MATCH (c:Community)-[i:IN_STREET]->(s:Street)
HINT (c JOIN i) JOIN s
RETURN count(*) AS rows
