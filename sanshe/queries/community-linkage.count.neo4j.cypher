// How many communities the whole answer has: those with a street.
MATCH (c:Community)-[:IN_STREET]->(:Street)
RETURN count(*) AS rows
