// Everything linked to one community (workers by pseudonymous key and level only).
MATCH (c:Community {code: $code})-[:IN_STREET]->(s:Street)-[:IN_DISTRICT]->(d:District)
RETURN 1 AS section, 'community' AS relation, c.code AS key, c.name AS name,
       s.name + ' · ' + d.name AS detail, toFloat(c.population) AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:DELIVERED_IN]-(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
OPTIONAL MATCH (e:Evaluation)-[:EVALUATES]->(p)
WITH p, o, max(e.eval_date) AS last
OPTIONAL MATCH (e:Evaluation)-[:EVALUATES]->(p)
WHERE e.eval_date = last
RETURN 2 AS section, 'project' AS relation, p.project_id AS key, p.name AS name,
       o.name + ' · ' + coalesce(e.grade, '未评估') AS detail, p.contract_amount AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:DELIVERED_IN]-(:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WITH DISTINCT o
RETURN 3 AS section, 'organisation' AS relation, o.uscc AS key, o.name AS name,
       o.org_type AS detail, null AS value
UNION ALL
MATCH (c:Community {code: $code})<-[:SERVES]-(w:SocialWorker)-[:EMPLOYED_BY]->(o:SocialOrganisation)
RETURN 4 AS section, 'social_worker' AS relation, w.worker_key AS key, w.level AS name,
       o.name AS detail, null AS value
