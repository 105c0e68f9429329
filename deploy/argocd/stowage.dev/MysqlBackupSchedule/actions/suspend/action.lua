-- Stops new backups: a running one finishes, slots while suspended are recorded as missed and
-- not caught up on resume. Retention keeps running.
obj.spec.suspend = true
return obj
