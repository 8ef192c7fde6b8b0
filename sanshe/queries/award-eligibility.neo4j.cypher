// Awards to providers that, on the award date, lacked a valid grade of at least $min_grade,
// failed or missed the annual inspection of the year before the award, or were on a credit list.
// the rank asked for, looked up once (by the OrgGrade key) before the awards are read
OPTIONAL MATCH (need:OrgGrade {code: $min_grade})
WITH need.rank AS need_rank
MATCH (sc:Community) WHERE sc.code STARTS WITH $scope   // when $scope
MATCH (sc)<-[:DELIVERED_IN]-(p:Project)   // when $scope
WITH DISTINCT p, need_rank   // when $scope
MATCH (p:Project)-[:AWARDED_TO]->(o:SocialOrganisation)
OPTIONAL MATCH (o)-[:HAS_INSPECTION]->(i:AnnualInspection)
WHERE i.year = p.year - 1
WITH p, o, i, p.award_date AS day, need_rank
WITH p, o, i,
     COUNT { MATCH (o)-[g:HAS_GRADE]->(x:OrgGrade)
             WHERE x.rank >= need_rank AND g.valid_from <= day AND (g.valid_to IS NULL OR g.valid_to > day) } = 0 AS no_valid_grade,
     COUNT { MATCH (o)-[c:ON_CREDIT_LIST]->(:CreditList)
             WHERE c.valid_from <= day AND (c.valid_to IS NULL OR c.valid_to > day) } > 0 AS on_credit_list
WITH p, o, no_valid_grade, on_credit_list,
     CASE WHEN i IS NULL AND o.registration_date < date({year: p.year - 1, month: 1, day: 1}) THEN 'missing'
          WHEN i.result = '不合格' THEN '不合格' ELSE '' END AS inspection_problem
WHERE no_valid_grade OR on_credit_list OR inspection_problem <> ''
RETURN p.project_id AS project_id, o.uscc AS provider_uscc, o.name AS provider, p.award_date AS award_date,
       p.contract_amount AS contract_yuan, no_valid_grade, inspection_problem, on_credit_list
ORDER BY project_id
