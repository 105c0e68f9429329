package dev.stowage.operator.mysql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.mariadb.jdbc.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReadLocks} over MariaDB Connector/J, for MariaDB and MySQL servers alike.
 *
 * <p>FLUSH TABLES WITH READ LOCK rather than MariaDB's BACKUP STAGE BLOCK_COMMIT: it is the one
 * statement both servers have (MySQL has no BACKUP STAGE), it is what the API names, and on a
 * snapshot that is cut in an instant its longer reach (it also blocks writes, not only commits) is
 * held for the same short time. Its one danger, a FLUSH that waits behind a long statement while
 * every new write queues behind the FLUSH, is bounded by the limit: lock_wait_timeout, and a KILL
 * of the connection from a second one when the limit passes.
 */
public final class JdbcReadLocks implements ReadLocks {
  private static final Logger log = LoggerFactory.getLogger(JdbcReadLocks.class);

  /** How long to wait for a TCP connection and the handshake. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final ScheduledExecutorService limits =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "read-lock-limit");
            t.setDaemon(true);
            return t;
          });

  @Override
  public HeldLock lock(MysqlEndpoint endpoint, Duration limit) throws ReadLockException {
    Connection connection;
    try {
      connection = connect(endpoint, CONNECT_TIMEOUT);
    } catch (SQLException e) {
      throw new ReadLockException(
          "could not connect to " + endpoint + " to take the read lock: " + e.getMessage(), e);
    }
    Held held = new Held(endpoint, connection, limit);
    try (Statement s = connection.createStatement()) {
      held.connectionId = connectionId(s);
      long seconds = Math.max(1, limit.toSeconds());
      s.execute("SET SESSION lock_wait_timeout = " + seconds);
      held.flushStart = System.nanoTime();
      held.limitTimer = limits.schedule(held::expire, limit.toNanos(), TimeUnit.NANOSECONDS);
      s.execute("FLUSH TABLES WITH READ LOCK");
    } catch (SQLException e) {
      boolean expired = held.expired();
      held.close();
      throw new ReadLockException(
          expired
              ? "FLUSH TABLES WITH READ LOCK on "
                  + endpoint
                  + " did not get the lock within the limit of "
                  + limit.toSeconds()
                  + " s (a long-running statement or transaction holds tables); the attempt was"
                  + " killed, writes go on"
              : "FLUSH TABLES WITH READ LOCK on "
                  + endpoint
                  + " failed: "
                  + e.getMessage()
                  + " (the account needs the RELOAD privilege, on MariaDB 10.5+ RELOAD or"
                  + " BACKUP_ADMIN)",
          e);
    }
    if (held.expired()) {
      held.close();
      throw new ReadLockException(
          "FLUSH TABLES WITH READ LOCK on "
              + endpoint
              + " returned only at the limit of "
              + limit.toSeconds()
              + " s; released");
    }
    return held;
  }

  private static long connectionId(Statement s) throws SQLException {
    try (ResultSet r = s.executeQuery("SELECT CONNECTION_ID()")) {
      r.next();
      return r.getLong(1);
    }
  }

  private static Connection connect(MysqlEndpoint endpoint, Duration timeout) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", endpoint.user());
    p.setProperty("password", endpoint.password());
    p.setProperty("connectTimeout", Long.toString(timeout.toMillis()));
    // A MySQL 8 account of caching_sha2_password over plain TCP needs the server's RSA key.
    p.setProperty("allowPublicKeyRetrieval", "true");
    String url = "jdbc:mariadb://" + endpoint.host() + ":" + endpoint.port() + "/";
    Connection c = new Driver().connect(url, p);
    if (c == null) {
      throw new SQLException("the driver refused the URL " + url);
    }
    return c;
  }

  /** One lock: released on purpose, or killed at its limit, whichever comes first. */
  private final class Held implements HeldLock {
    private final MysqlEndpoint endpoint;
    private final Connection connection;
    private final Duration limit;
    private volatile long connectionId = -1;
    private volatile long flushStart;
    private volatile ScheduledFuture<?> limitTimer;
    private boolean released;
    private boolean expired;

    Held(MysqlEndpoint endpoint, Connection connection, Duration limit) {
      this.endpoint = endpoint;
      this.connection = connection;
      this.limit = limit;
    }

    synchronized boolean expired() {
      return expired;
    }

    /** At the limit: unless released first, kill the session (the server drops its lock). */
    void expire() {
      synchronized (this) {
        if (released) {
          return;
        }
        expired = true;
      }
      log.warn(
          "the read lock on {} reached its limit of {} s: killing its connection",
          endpoint,
          limit.toSeconds());
      kill();
    }

    private void kill() {
      // A FLUSH still waiting ignores a closed socket; KILL from a second connection ends it.
      if (connectionId > 0) {
        try (Connection c = connect(endpoint, CONNECT_TIMEOUT);
            Statement s = c.createStatement()) {
          s.execute("KILL CONNECTION " + connectionId);
        } catch (SQLException e) {
          log.warn(
              "could not KILL connection {} on {}: {}", connectionId, endpoint, e.getMessage());
        }
      }
      abort();
    }

    private void abort() {
      try {
        connection.abort(Runnable::run);
      } catch (SQLException | RuntimeException e) {
        log.debug("aborting the read lock connection: {}", e.getMessage());
      }
    }

    @Override
    public Duration release() throws ReadLockException {
      synchronized (this) {
        if (expired) {
          throw new ReadLockException(
              "the read lock on "
                  + endpoint
                  + " was killed at its limit of "
                  + limit.toSeconds()
                  + " s before the snapshot had its creationTime");
        }
        released = true;
      }
      cancelTimer();
      try (Statement s = connection.createStatement()) {
        // Proves the session, and so its lock, lived until now: the driver never reconnects.
        s.execute("UNLOCK TABLES");
        Duration held = Duration.ofNanos(System.nanoTime() - flushStart);
        connection.close();
        return held;
      } catch (SQLException e) {
        abort();
        throw new ReadLockException(
            "the connection that held the read lock on "
                + endpoint
                + " failed before UNLOCK TABLES ("
                + e.getMessage()
                + "): the server had dropped the lock at an unknown time",
            e);
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (released || expired) {
          return;
        }
        released = true;
      }
      cancelTimer();
      kill();
    }

    private void cancelTimer() {
      ScheduledFuture<?> t = limitTimer;
      if (t != null) {
        t.cancel(false);
      }
    }
  }
}
