// Providers rated below $below on a project who were awarded another contract afterwards.
// HINTs (national answer only): ladybug plans a filter on a parameter as if it kept every
// evaluation and joins the later awards first; extending from the rated evaluations is several
// times faster (docs/performance.md). A scoped text is planned well without them, badly with.
// `later <> p` compares the nodes, not their keys (project_id, unique): no key is read for
// each candidate (national export: the query in 0.9-1.1 s against 1.5-2.0 s, three tries).
MATCH (s:Street)<-[:RESIDES_IN]-(o:SocialOrganisation) WHERE s.code STARTS WITH $scope   // when $scope
MATCH (e:Evaluation)-[v:EVALUATES]->(p:Project)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
HINT (e JOIN v) JOIN p   // unless $scope
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o   // unless $scope
MATCH (o)<-[b:AWARDED_TO]-(later:Project)
WHERE later.award_date > e.eval_date AND later <> p
HINT (o JOIN b) JOIN later   // unless $scope
RETURN o.uscc AS provider_uscc, o.name AS provider, p.project_id AS rated_project, e.grade AS grade,
       e.score AS score, e.eval_date AS evaluated_on, later.project_id AS later_project,
       later.award_date AS later_award_date, later.contract_amount AS later_amount_yuan
ORDER BY provider_uscc, rated_project, later_project
