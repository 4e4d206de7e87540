-- Schema 3: the business day of a decision (the dashboard's day when it was made: the reference date when one
-- is set, else today). A correction request counts from that day (its carence window, and which OF files can
-- answer it); acted_at stays the wall-clock time, for the audit. NULL for older rows: their acted_at day.
ALTER TABLE actions ADD COLUMN IF NOT EXISTS effective_on DATE;
