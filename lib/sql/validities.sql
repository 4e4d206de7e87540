-- The validity of every training record at $today (horizon $horizon days), completed by the OF's
-- declared validity end when the record has none. is_latest marks each person's latest training of a
-- family (a MAC SST renews the SST: one habilitation to follow).
WITH x AS (
    SELECT
        r.*,
        coalesce(r.validity_end, l.date_fin_validite) AS effective_validity_end,
        r.exit_date IS NULL OR r.exit_date >= $today AS is_active,
        CASE
            WHEN r.validity_end IS NOT NULL AND r.validity_end_proposed THEN 'recommandation'
            WHEN r.validity_end IS NOT NULL THEN 'SIRH'
            WHEN l.date_fin_validite IS NOT NULL THEN 'déclaration OF'
        END AS validity_source,
        row_number() OVER (
            PARTITION BY coalesce(r.matricule, r.person_nir), coalesce(r.training_family, r.title_norm)
            ORDER BY r.end_date DESC, r.id DESC
        ) = 1 AS is_latest
    FROM pp_records r
    LEFT JOIN pp_pairs p ON p.record_id = r.id
    LEFT JOIN pp_lines l ON l.line_key = p.line_key
)
SELECT
    x.*,
    -- One habilitation per family (a MAC SST renews the SST), named as the durations table names it.
    coalesce(x.training_family_label, x.training_type, x.training_title) AS formation,
    pp_validity_status(x.effective_validity_end, $today, $horizon) AS status,
    pp_status_label(pp_validity_status(x.effective_validity_end, $today, $horizon)) AS status_label,
    date_diff('day', $today, x.effective_validity_end) AS days_left
FROM x
ORDER BY x.effective_validity_end NULLS LAST, x.person_birth_name
