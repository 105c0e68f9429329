-- Schedules backups again from the next slot.
obj.spec.suspend = false
return obj
