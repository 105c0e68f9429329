-- Actions on a stowage.dev MysqlBackupSchedule: back up now (a new spec.trigger), suspend and
-- resume (spec.suspend). Back up now is disabled while the schedule is suspended: the operator
-- would keep the trigger until resume.
local actions = {}
local suspended = obj.spec ~= nil and obj.spec.suspend == true

actions["backup-now"] = {
  ["displayName"] = "Back up now",
  ["iconClass"] = "fa fa-fw fa-database",
  ["disabled"] = suspended,
}
if suspended then
  actions["resume"] = {["iconClass"] = "fa fa-fw fa-play"}
else
  actions["suspend"] = {["iconClass"] = "fa fa-fw fa-pause"}
end
return actions
