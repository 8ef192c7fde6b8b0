// Per community on $as_of: organisations serving it (providers of projects running that day),
// certified workers serving it by level (certified by that year), projects running; gaps first.
MATCH (c:Community)-[:IN_STREET]->(s:Street)
WHERE c.code STARTS WITH $scope   // when $scope
OPTIONAL MATCH (c)<-[:DELIVERED_IN]-(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE p.start_date <= $as_of AND p.end_date >= $as_of
WITH c, s, count(DISTINCT o) AS organisations, count(DISTINCT p) AS projects
WITH c, s, organisations, projects, $as_of.year AS year
WITH c, s, organisations, projects,
     COUNT { MATCH (c)<-[:SERVES]-(w:SocialWorker) WHERE w.level = '助理社会工作师' AND w.certified_year <= year } AS assistant_workers,
     COUNT { MATCH (c)<-[:SERVES]-(w:SocialWorker) WHERE w.level = '社会工作师' AND w.certified_year <= year } AS intermediate_workers,
     COUNT { MATCH (c)<-[:SERVES]-(w:SocialWorker) WHERE w.level = '高级社会工作师' AND w.certified_year <= year } AS senior_workers
WITH c, s, organisations, projects, assistant_workers, intermediate_workers, senior_workers,
     assistant_workers + intermediate_workers + senior_workers AS workers
RETURN c.code AS community_code, c.name AS community, s.name AS street, organisations, workers,
       assistant_workers, intermediate_workers, senior_workers, projects,
       CASE WHEN organisations = 0 THEN 1 ELSE 0 END + CASE WHEN workers = 0 THEN 1 ELSE 0 END AS missing_parties,
       CASE WHEN organisations = 0 AND workers = 0 THEN 'organisation+social_worker'
            WHEN organisations = 0 THEN 'organisation'
            WHEN workers = 0 THEN 'social_worker' ELSE '' END AS missing
ORDER BY missing_parties DESC, community_code
