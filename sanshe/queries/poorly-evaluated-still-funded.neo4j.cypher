// Providers rated below $below on a project who were awarded another contract afterwards.
MATCH (s:Street)<-[:RESIDES_IN]-(o:SocialOrganisation) WHERE s.code STARTS WITH $scope   // when $scope
MATCH (e:Evaluation)-[:EVALUATES]->(p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
MATCH (later:Project)-[:AWARDED_TO]->(o)
WHERE later.award_date > e.eval_date AND later <> p
RETURN o.uscc AS provider_uscc, o.name AS provider, p.project_id AS rated_project, e.grade AS grade,
       e.score AS score, e.eval_date AS evaluated_on, later.project_id AS later_project,
       later.award_date AS later_award_date, later.contract_amount AS later_amount_yuan
ORDER BY provider_uscc, rated_project, later_project
