package dev.stowage.engine.lock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** What a backup's lock object says: which run holds it, where, and when it last said so. */
public record LockInfo(
    String runId, String host, long pid, Instant startedAt, Instant heartbeatAt) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public LockInfo withHeartbeat(Instant at) {
    return new LockInfo(runId, host, pid, startedAt, at);
  }

  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("runId", runId);
    n.put("host", host);
    n.put("pid", pid);
    n.put("startedAt", startedAt.toString());
    n.put("heartbeatAt", heartbeatAt.toString());
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses a lock object; returns null for something that is not one (treated as foreign). */
  public static LockInfo parse(byte[] json) {
    try {
      JsonNode n = JSON.readTree(json);
      return new LockInfo(
          n.path("runId").asText(),
          n.path("host").asText(),
          n.path("pid").asLong(),
          Instant.parse(n.path("startedAt").asText()),
          Instant.parse(n.path("heartbeatAt").asText()));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** True when the holder has not renewed the lock for longer than {@code staleAfter}. */
  public boolean isStale(Instant now, Duration staleAfter) {
    return Duration.between(heartbeatAt, now).compareTo(staleAfter) > 0;
  }

  /** "run R on host H, pid P, started S, last heartbeat T (N s ago)". */
  public String describe(Instant now) {
    return "run "
        + runId
        + " on host "
        + (host.isEmpty() ? "?" : host)
        + ", pid "
        + pid
        + ", started "
        + startedAt
        + ", last heartbeat "
        + heartbeatAt
        + " ("
        + Duration.between(heartbeatAt, now).toSeconds()
        + " s ago)";
  }
}
