// Everything linked to one community (workers by pseudonymous key and level only).
MATCH (c:Community {code: $code})-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
RETURN 1 AS section, 'community' AS relation, c.code AS key, c.name AS name,
       s.name + ' · ' + d.name AS detail, CAST(c.population AS DOUBLE) AS value
UNION ALL
// Projects with a dated evaluation, then the others (未评估, as the OPTIONAL MATCH of the Neo4j
// form gives them). Each part carries only the committee's projects (`WITH p`) into an
// OPTIONAL MATCH of their evaluations, which ladybug extends from those few projects: at
// national scale 0.17 s a part, where `WHERE NOT EXISTS {...}` took 0.8 s and a MATCH with
// join-order HINTs 0.4 s.
MATCH (c:Community {code: $code})<-[:DELIVERED_IN]-(p:Project)
WITH p
OPTIONAL MATCH (p)<-[:EVALUATES]-(e:Evaluation)
WITH p, max(e.eval_date) AS last
WHERE last IS NOT NULL
OPTIONAL MATCH (p)<-[:EVALUATES]-(e:Evaluation)
WITH p, e, last
WHERE e.eval_date = last
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o
RETURN 2 AS section, 'project' AS relation, p.project_id AS key, p.name AS name,
       o.name + ' · ' + e.grade AS detail, p.contract_amount AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:DELIVERED_IN]-(p:Project)
WITH p
OPTIONAL MATCH (p)<-[:EVALUATES]-(e:Evaluation)
WITH p, count(e.eval_date) AS dated
WHERE dated = 0
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o
RETURN 2 AS section, 'project' AS relation, p.project_id AS key, p.name AS name,
       o.name + ' · 未评估' AS detail, p.contract_amount AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:DELIVERED_IN]-(:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WITH DISTINCT o
RETURN 3 AS section, 'organisation' AS relation, o.uscc AS key, o.name AS name,
       o.org_type AS detail, CAST(NULL AS DOUBLE) AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:SERVES]-(w:SocialWorker)-[:EMPLOYED_BY]->(o:SocialOrganisation)
RETURN 4 AS section, 'social_worker' AS relation, w.worker_key AS key, w.level AS name,
       o.name AS detail, CAST(NULL AS DOUBLE) AS value
