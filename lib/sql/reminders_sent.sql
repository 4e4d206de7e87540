-- The reminder e-mails sent (one line per message): when, to whom, what; newest first.
SELECT
    max(sent_at) AS sent_at,
    any_value(sent_on) AS sent_on,
    recipient,
    CASE kind WHEN 'digest' THEN 'Récapitulatif RH' WHEN 'missing' THEN 'Formations manquantes (responsable)'
              ELSE 'Échéances (responsable)' END AS kind_label,
    CASE WHEN stage = 'overdue' THEN 'expirées'
         WHEN stage = 'never' THEN 'jamais formé'
         WHEN kind = 'expiry' THEN stage || ' jours'
         ELSE replace(stage, '-S', ', semaine ') END AS stage_label,
    any_value(subject) AS subject,
    count(*) FILTER (WHERE item_key <> '') AS items,
    any_value(who) AS who
FROM reminders_sent
GROUP BY recipient, kind, stage, message_id
ORDER BY max(sent_at) DESC
LIMIT $limit
