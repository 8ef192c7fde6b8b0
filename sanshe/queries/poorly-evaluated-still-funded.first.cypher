// The first $first_rows rows by rated project, evaluation day and later project: the first $first_rows rated
// projects with a later award are enough, as each gives at least one row. HINTs: ladybug would
// otherwise hash-join each step with a whole table; extending from the few rows reads only theirs.
MATCH (e:Evaluation)-[v:EVALUATES]->(p:Project)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
  AND e.later_awards > 0
HINT (e JOIN v) JOIN p
WITH p ORDER BY p.project_id LIMIT $first_rows
WITH DISTINCT p
MATCH (e:Evaluation)-[v:EVALUATES]->(p)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
HINT p JOIN (v JOIN e)
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o
MATCH (o)<-[b:AWARDED_TO]-(later:Project)
WHERE later.award_date > e.eval_date AND later <> p
HINT (o JOIN b) JOIN later
RETURN o.uscc AS provider_uscc, o.name AS provider, p.project_id AS rated_project, e.grade AS grade,
       e.score AS score, e.eval_date AS evaluated_on, later.project_id AS later_project,
       later.award_date AS later_award_date, later.contract_amount AS later_amount_yuan
