// The first $first_rows rows by rated project, evaluation day and later project: the first $first_rows rated
// projects with a later award are enough, as each gives at least one row (the embedded store's
// text adds join-order HINTs Neo4j has no use for).
MATCH (e:Evaluation)-[:EVALUATES]->(p:Project)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
  AND e.later_awards > 0
WITH p ORDER BY p.project_id LIMIT $first_rows
WITH DISTINCT p
MATCH (e:Evaluation)-[:EVALUATES]->(p)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
MATCH (later:Project)-[:AWARDED_TO]->(o)
WHERE later.award_date > e.eval_date AND later <> p
RETURN o.uscc AS provider_uscc, o.name AS provider, p.project_id AS rated_project, e.grade AS grade,
       e.score AS score, e.eval_date AS evaluated_on, later.project_id AS later_project,
       later.award_date AS later_award_date, later.contract_amount AS later_amount_yuan
