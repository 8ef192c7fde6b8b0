// The first $top flagged awards by project id, found on the Project table alone before their
// providers are looked up. HINT: ladybug would otherwise hash-join the 100 projects with every
// organisation (2.3 s at national scale); extending from the projects reads only their providers.
MATCH (need:OrgGrade {code: $min_grade})
MATCH (p:Project)
WHERE p.provider_grade_rank < need.rank OR p.provider_on_credit_list OR p.provider_inspection <> ''
WITH p, need ORDER BY p.project_id LIMIT $top
MATCH (p)-[a:AWARDED_TO]->(o:SocialOrganisation)
HINT (p JOIN a) JOIN o
RETURN p.project_id AS project_id, o.uscc AS provider_uscc, o.name AS provider, p.award_date AS award_date,
       p.contract_amount AS contract_yuan, p.provider_grade_rank < need.rank AS no_valid_grade,
       p.provider_inspection AS inspection_problem, p.provider_on_credit_list AS on_credit_list
