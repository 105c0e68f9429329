-- Starts one backup now: the operator backs up once for each new value of spec.trigger (the value
-- it acted on last is status.lastTrigger). The value is argocd- and the time in UTC, so the
-- backup it starts (<schedule>-manual-<yyyyMMddHHmmss>) can be told from a trigger set in Git.
obj.spec.trigger = "argocd-" .. os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
