-- Every known person (the staff register first, then the HR training records for people absent from it), one
-- row per matricule, kept when their name or matricule holds every word of $words (already normalized: lower
-- case, no accents), in any order. People whose words are all whole words of their name come first
-- (« martin jean » before « MARTINEAU Jeanne »), then the name order. $matricules, when not empty, keeps only
-- those people (the label of a person a link names). $limit caps the answer.
WITH known AS (
    SELECT matricule, birth_name, first_name, usage_name, 0 AS source FROM employees
    UNION ALL
    SELECT matricule, birth_name, first_name, usage_name, 1 AS source FROM training_records
    WHERE matricule IS NOT NULL AND matricule NOT IN (SELECT matricule FROM employees)
),
people AS (
    SELECT
        matricule,
        arg_min(birth_name, source) AS birth_name,
        arg_min(first_name, source) AS first_name,
        arg_min(usage_name, source) AS usage_name
    FROM known
    GROUP BY matricule
),
searched AS (
    SELECT
        *,
        ' ' || trim(regexp_replace(
            strip_accents(lower(concat_ws(' ', birth_name, first_name, usage_name, matricule))), '[^a-z0-9]+', ' ', 'g'
        )) || ' ' AS search_text
    FROM people
    WHERE len($matricules) = 0 OR list_contains($matricules, matricule)
)
SELECT matricule, birth_name, first_name, usage_name
FROM searched
WHERE coalesce(list_bool_and(list_transform($words, lambda w: contains(search_text, w))), true)
ORDER BY
    NOT coalesce(list_bool_and(list_transform($words, lambda w: contains(search_text, ' ' || w || ' '))), true),
    birth_name NULLS LAST, first_name NULLS LAST, matricule
LIMIT $limit
