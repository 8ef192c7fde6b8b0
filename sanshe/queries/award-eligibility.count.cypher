// How many rows the whole answer has: one per flagged award (a project with no provider has no
// standing, so its filter is NULL and it is not counted, as it has no AWARDED_TO edge).
MATCH (need:OrgGrade {code: $min_grade})
MATCH (p:Project)
WHERE p.provider_grade_rank < need.rank OR p.provider_on_credit_list OR p.provider_inspection <> ''
RETURN count(*) AS rows
