-- Health of a ContinuousBackupsPolicy from the conditions pitr-operator writes, in kstatus' way:
-- Ready, with Reconciling (the operator keeps trying by itself) or Stalled (a person must act)
-- present only while True, and observedGeneration on the status and on each condition.
-- Only the base and table libraries are used, so that the script also runs as an argocd-cm
-- customization without useOpenLibs.

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, found in ipairs(obj.status.conditions) do
    if found.type == conditionType then
      return found
    end
  end
  return nil
end

local function isTrue(found)
  return found ~= nil and found.status == "True"
end

-- A condition's message, or its reason if it has none.
local function messageOf(found)
  if found == nil then
    return nil
  end
  if found.message ~= nil and found.message ~= "" then
    return found.message
  end
  return found.reason
end

-- The first message there is, from the most specific condition to the least.
local function firstMessage(...)
  for _, found in ipairs({...}) do
    local message = messageOf(found)
    if message ~= nil then
      return message
    end
  end
  return ""
end

local function lowerThan(observed, generation)
  return observed ~= nil and generation ~= nil and observed < generation
end

if obj.metadata.deletionTimestamp ~= nil then
  local message = "Deleting"
  if obj.spec ~= nil and obj.spec.deletionPolicy == "Disable" and obj.metadata.finalizers ~= nil then
    for _, finalizer in ipairs(obj.metadata.finalizers) do
      if finalizer == "dynamodb.pitr.io/disable-pitr-on-delete" then
        message = "Deleting: point-in-time recovery of table " .. tostring(obj.spec.tableName) ..
          " is turned off first (deletionPolicy Disable)"
      end
    end
  end
  return { status = "Progressing", message = message }
end

local ready = condition("Ready")
if ready == nil then
  return { status = "Progressing", message = "Waiting for the operator to report the policy's status" }
end

-- The spec the status describes: the older of the status' and the Ready condition's generations.
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if observed == nil or lowerThan(ready.observedGeneration, observed) then
  observed = ready.observedGeneration
end
if lowerThan(observed, generation) then
  return {
    status = "Progressing",
    message = "Waiting for the operator to act on generation " .. tostring(generation) ..
      " (the status is of generation " .. tostring(observed) .. ")"
  }
end

local stalled = condition("Stalled")
if isTrue(stalled) then
  return { status = "Degraded", message = firstMessage(ready, stalled) }
end

local reconciling = condition("Reconciling")
if isTrue(reconciling) or not isTrue(ready) then
  return { status = "Progressing", message = firstMessage(ready, reconciling) }
end

-- Ready. With managementMode Observe the table may differ from the spec (reason DriftObserved):
-- that is reported, in the Ready message, and not a fault.
local message = firstMessage(ready)
if ready.reason == "DriftObserved" and (ready.message == nil or ready.message == "") then
  message = "Observe only: the table differs from the spec. " .. firstMessage(condition("Compliant"))
end
local window = condition("RestoreWindowReduced")
if isTrue(window) then
  message = message .. " " .. firstMessage(window)
end
return { status = "Healthy", message = message }
