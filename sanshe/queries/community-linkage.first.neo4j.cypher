// The first $first_rows communities on the snapshot day, those missing the organisation or the
// social-worker party first, from the linkage the load counted (Community.snapshot_*); used only
// when as_of is not given (this text does not name it). Then read the 100 communities with
// their streets (the embedded store's text adds a join-order HINT Neo4j has no use for).
MATCH (c:Community)
WHERE c.code STARTS WITH $scope   // when $scope
WITH c, c.snapshot_assistant_workers + c.snapshot_intermediate_workers + c.snapshot_senior_workers AS workers
WITH c, workers,
     CASE WHEN c.snapshot_organisations = 0 THEN 1 ELSE 0 END + CASE WHEN workers = 0 THEN 1 ELSE 0 END AS missing_parties
ORDER BY missing_parties DESC, c.code
LIMIT $first_rows
MATCH (c)-[:IN_STREET]->(s:Street)
RETURN c.code AS community_code, c.name AS community, s.name AS street, c.snapshot_organisations AS organisations,
       workers, c.snapshot_assistant_workers AS assistant_workers, c.snapshot_intermediate_workers AS intermediate_workers,
       c.snapshot_senior_workers AS senior_workers, c.snapshot_projects AS projects, missing_parties,
       CASE WHEN c.snapshot_organisations = 0 AND workers = 0 THEN 'organisation+social_worker'
            WHEN c.snapshot_organisations = 0 THEN 'organisation'
            WHEN workers = 0 THEN 'social_worker' ELSE '' END AS missing
