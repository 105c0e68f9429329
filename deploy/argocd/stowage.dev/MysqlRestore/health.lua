-- Health of a stowage.dev MysqlRestore: one restore of a Stowage backup into a volume.
-- status.phase is Pending, Running, Succeeded or Failed. Conditions: Ready, and Blocked while the
-- restore waits for something outside it (its MysqlBackup, the claim, a pod that mounts the
-- claim); the reason says what.
-- Uses only Lua's base and table libraries, so it also runs from argocd-cm without useOpenLibs.
local hs = {}

-- Blocked reasons that waiting does not resolve: an object Stowage did not make holds a name it
-- needs, or the status disagrees with the spec. A person has to act: Degraded. Every other
-- Blocked reason is a wait: Progressing.
local needsAPerson = {
  ForeignJob = true,
  ForeignLease = true,
  StatusMismatch = true,
}

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

if obj.status == nil or obj.status.phase == nil then
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

local phase = obj.status.phase
local ready = condition("Ready")
local message = obj.status.message
if message == nil and ready ~= nil then
  message = ready.message
end

if phase == "Failed" then
  hs.status = "Degraded"
  hs.message = message or "The restore failed"
  return hs
end

if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = message or "Restored"
  return hs
end

-- kstatus: Stalled is an error that needs a person.
local stalled = condition("Stalled")
if isTrue(stalled) then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or "Stalled"
  return hs
end

if phase == "Running" then
  hs.status = "Progressing"
  hs.message = message or "Running"
  return hs
end

if phase == "Pending" then
  local blocked = condition("Blocked")
  if isTrue(blocked) then
    if needsAPerson[blocked.reason] then
      hs.status = "Degraded"
    else
      hs.status = "Progressing"
    end
    hs.message = "Blocked (" .. (blocked.reason or "no reason") .. "): " ..
      (blocked.message or "")
    return hs
  end
  hs.status = "Progressing"
  hs.message = message or "Waiting to start"
  return hs
end

hs.status = "Unknown"
hs.message = "Unknown phase " .. phase
return hs
