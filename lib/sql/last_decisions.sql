-- The last verification decision on each OF line (accepted or correction requested, and not undone), and
-- whether the OF has sent the line again, changed, since a correction was requested. Keyed by line_key
-- (organisme|ID_UNIQUE_PARTENAIRE). prepare_workflow.sql joins it to every line; after a decision, the
-- dashboard reads it alone to update the lines whose decision changed (lib/ui/cache.py).
WITH last AS (
    SELECT
        target_key AS line_key,
        arg_max(action, id) AS action,
        arg_max(reason, id) AS reason,
        arg_max(who, id) AS who,
        max(acted_at) AS acted_at,
        -- The business day of the last decision (lib/sql/migrations/003_decision_day.sql).
        arg_max(coalesce(effective_on, CAST(acted_at AS DATE)), id) AS decided_on
    FROM actions a
    WHERE target_kind = 'of_line'
      AND action IN ('accepted', 'correction_requested')
      AND NOT EXISTS (SELECT 1 FROM actions u WHERE u.undoes = a.id)
    GROUP BY target_key
)
SELECT
    last.*,
    -- Answered (« corrigée par l'OF »): an OF file changed the line that was received after the request's day,
    -- or received on that day and imported after the request; a file received before the request answers
    -- nothing, whenever it is loaded. Any change counts: the OF has acted on the line, which then shows its
    -- remaining discrepancies, to contest again if need be (lib/statuses.py).
    last.action = 'correction_requested' AND EXISTS (
        SELECT 1 FROM of_line_changes c
        JOIN imports i ON i.id = c.import_id
        WHERE c.organisme || '|' || c.id_unique_partenaire = last.line_key
          AND (i.received_on > last.decided_on OR (i.received_on = last.decided_on AND c.changed_at > last.acted_at))
    ) AS correction_answered
FROM last
