// How many rows the whole answer has: each evaluation below the threshold gives one row per
// later award of its provider (Evaluation.later_awards, computed at load time).
MATCH (e:Evaluation)
WHERE e.grade_rank < CASE $below WHEN '优秀' THEN 4 WHEN '良好' THEN 3 WHEN '合格' THEN 2 WHEN '不合格' THEN 1 END
RETURN coalesce(sum(e.later_awards), 0) AS rows
