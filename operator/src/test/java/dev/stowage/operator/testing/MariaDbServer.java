package dev.stowage.operator.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.mariadb.jdbc.Driver;

/**
 * A throwaway MariaDB server from Debian's {@code mariadb-server} for the operator's own tests (the
 * read lock of snapshot backups): a fresh data directory under {@code dir}, TCP on 127.0.0.1 only,
 * root without a password. Missing binaries are an error, never a skip (make test installs them).
 */
public final class MariaDbServer implements AutoCloseable {
  private final int port;
  private final Process process;
  private final Thread shutdownHook;

  private MariaDbServer(int port, Process process) {
    this.port = port;
    this.process = process;
    this.shutdownHook = new Thread(process::destroyForcibly);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Installs a data directory under {@code dir} and starts a server on it. */
  public static MariaDbServer start(Path dir) throws IOException, InterruptedException {
    Path datadir = dir.resolve("data");
    Files.createDirectories(datadir);
    run(
        List.of(
            "/usr/bin/mariadb-install-db",
            "--no-defaults",
            "--user=root",
            "--datadir=" + datadir,
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--innodb-log-file-size=16M"),
        dir.resolve("install.log"));
    int port = freePort();
    Process p =
        new ProcessBuilder(
                "/usr/sbin/mariadbd",
                "--no-defaults",
                "--user=root",
                "--datadir=" + datadir,
                "--socket=" + dir.resolve("mysqld.sock"),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--pid-file=" + dir.resolve("mysqld.pid"),
                "--log-error=" + dir.resolve("error.log"),
                "--innodb-log-file-size=16M",
                "--innodb-buffer-pool-size=64M",
                "--skip-name-resolve",
                "--skip-log-bin")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mariadbd.out").toFile())
            .start();
    MariaDbServer server = new MariaDbServer(port, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try (Connection c = server.connect("root", "")) {
        return server;
      } catch (SQLException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          server.close();
          throw new IllegalStateException(
              "mariadbd did not accept connections on 127.0.0.1:"
                  + port
                  + "; see "
                  + dir.resolve("error.log"),
              e);
        }
        Thread.sleep(200);
      }
    }
  }

  public int port() {
    return port;
  }

  /** A new connection as {@code user}. */
  public Connection connect(String user, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "5000");
    return new Driver().connect("jdbc:mariadb://127.0.0.1:" + port + "/", p);
  }

  /** Runs statements as root. */
  public void sql(String... statements) throws SQLException {
    try (Connection c = connect("root", "");
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }

  private static void run(List<String> cmd, Path logFile) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(cmd.get(0) + " failed; see " + logFile);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
