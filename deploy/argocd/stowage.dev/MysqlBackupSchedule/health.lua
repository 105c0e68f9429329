-- Health of a stowage.dev MysqlBackupSchedule: MysqlBackups on a cron schedule, with retention.
-- Conditions: Ready, Reconciling and Stalled (kstatus), Suspended, LastBackupSucceeded, Overdue
-- (reason NeverSucceeded, LastRunsFailed, RunsMissed or Suspended) and RetentionFailing.
-- A schedule is Degraded when its spec is invalid, retention cannot delete, it is overdue, or its
-- newest finished backup failed; Suspended while spec.suspend is true; Healthy otherwise, also
-- while one of its backups runs (each MysqlBackup has its own health).
-- Uses only Lua's base and table libraries, so it also runs from argocd-cm without useOpenLibs.
local hs = {}

local function condition(conditionType)
  if obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function isFalse(c)
  return c ~= nil and c.status == "False"
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and observed ~= nil and observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. generation ..
    " (the status is of generation " .. observed .. ")"
  return hs
end

-- No Ready yet: the operator has not finished a pass (its message may say why, for example
-- errors from the Kubernetes API).
local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = obj.status.message or "Waiting for the operator"
  return hs
end

local stalled = condition("Stalled")
if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or "Stalled"
  return hs
end

local reconciling = condition("Reconciling")
if isTrue(reconciling) or ready.status ~= "True" then
  hs.status = "Progressing"
  if isTrue(reconciling) then
    hs.message = reconciling.message or "Reconciling"
  else
    hs.message = ready.message or "Not ready"
  end
  return hs
end

local retention = condition("RetentionFailing")
if isTrue(retention) then
  hs.status = "Degraded"
  hs.message = "Retention is failing: " .. (retention.message or "")
  return hs
end

if obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = ready.message or "Suspended"
  return hs
end

local overdue = condition("Overdue")
if isTrue(overdue) then
  hs.status = "Degraded"
  hs.message = "Overdue (" .. (overdue.reason or "no reason") .. "): " .. (overdue.message or "")
  return hs
end

local last = condition("LastBackupSucceeded")
if isFalse(last) then
  hs.status = "Degraded"
  hs.message = "The last backup failed: " .. (last.message or "")
  return hs
end

hs.status = "Healthy"
hs.message = obj.status.message or ready.message or "Scheduling"
local active = obj.status.active
if active ~= nil and #active > 0 then
  hs.message = hs.message .. "; running: " .. table.concat(active, ", ")
end
return hs
