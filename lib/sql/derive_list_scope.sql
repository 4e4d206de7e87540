-- The rows of the list tables (lib/sql/derive_lists.sql) that a scoped refresh rewrites, as TEMP tables
-- pp_list_scope_records(id) and pp_list_scope_lines(line_key). Run by lib/store/derived.py after derive.sql (same
-- transaction), from its TEMP tables — pp_scope_nirs, pp_scope_lines, pp_scope_line_keys, pp_paired_records,
-- pp_paired_lines, pp_ambiguous_before — and pp_declared_before, the deposited declarations before this write.
-- $all: nothing to list (everything is rewritten). Their sizes tell derived.py whether a list is cheaper rewritten
-- whole.

-- The records whose rows change: the scope's people (and every record of their matricules: « latest of a
-- family » is per matricule), and the records whose deposited declarations changed.
CREATE OR REPLACE TEMP TABLE pp_list_scope_matricules AS
SELECT matricule FROM pp_records
WHERE NOT $all AND matricule IS NOT NULL AND person_nir IN (SELECT nir FROM pp_scope_nirs)
UNION
SELECT matricule FROM pp_list_validities
WHERE NOT $all AND matricule IS NOT NULL AND person_nir IN (SELECT nir FROM pp_scope_nirs);

CREATE OR REPLACE TEMP TABLE pp_list_scope_records AS
SELECT id FROM pp_records
WHERE NOT $all AND (person_nir IN (SELECT nir FROM pp_scope_nirs)
                    OR matricule IN (SELECT matricule FROM pp_list_scope_matricules))
UNION
SELECT record_id FROM (
    (SELECT record_id, kind, export_id FROM pp_declared_before
     EXCEPT SELECT record_id, kind, export_id FROM pp_declared_records)
    UNION ALL
    (SELECT record_id, kind, export_id FROM pp_declared_records
     EXCEPT SELECT record_id, kind, export_id FROM pp_declared_before)
) WHERE NOT $all;

-- Closed over « latest of a family »: every record of the same person (matricule, else NIR).
CREATE OR REPLACE TEMP TABLE pp_list_scope_records AS
SELECT id FROM pp_records
WHERE NOT $all AND coalesce(matricule, person_nir) IN (
    SELECT coalesce(matricule, person_nir) FROM pp_records WHERE id IN (SELECT id FROM pp_list_scope_records)
)
UNION
SELECT id FROM pp_list_scope_records;

-- The ambiguities before and after that concern a record or line whose pairing changed (derive.sql).
CREATE OR REPLACE TEMP TABLE pp_touched_ambiguities AS
SELECT record_id, line_key FROM pp_ambiguous_before WHERE NOT $all
UNION
SELECT record_id, line_key FROM pp_ambiguous
WHERE NOT $all AND (record_id IN (SELECT id FROM pp_paired_records)
                    OR line_key IN (SELECT line_key FROM pp_paired_lines));

-- And the records whose pairing, paired line or ambiguity changed.
CREATE OR REPLACE TEMP TABLE pp_list_scope_records AS
SELECT id FROM pp_list_scope_records
UNION
SELECT id FROM pp_paired_records WHERE NOT $all
UNION
SELECT record_id FROM pp_touched_ambiguities;

-- The lines whose rows change: those recomputed or whose pairing changed, whose ambiguity changed, and those
-- paired (before or after) with a record whose row changes.
CREATE OR REPLACE TEMP TABLE pp_list_scope_lines AS
SELECT line_key FROM pp_paired_lines WHERE NOT $all
UNION
SELECT line_key FROM pp_touched_ambiguities
UNION
SELECT line_key FROM pp_pairs WHERE NOT $all AND record_id IN (SELECT id FROM pp_list_scope_records)
UNION
SELECT line_key FROM pp_list_of_declarations
WHERE NOT $all AND (record_id IN (SELECT id FROM pp_list_scope_records) OR nir IN (SELECT nir FROM pp_scope_nirs));
