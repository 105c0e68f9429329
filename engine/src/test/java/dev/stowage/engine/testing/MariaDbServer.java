package dev.stowage.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway MariaDB server from Debian's {@code mariadb-server} binaries, on a data directory the
 * test owns, listening only on a Unix socket and on 127.0.0.1.
 *
 * <p>Missing binaries are an error, never a skip: {@code make test} installs them
 * (scripts/ensure-deps.sh), so their absence means the machine is broken.
 */
public final class MariaDbServer implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration SQL_TIMEOUT = Duration.ofMinutes(10);

  private final Path datadir;
  private final Path runDir;
  private final Path socket;
  private final Path errorLog;
  private final int port;
  private final List<String> extraOptions;
  private Process process;
  // A test JVM that dies must not leave a server behind holding a port and a data directory.
  private final Thread shutdownHook = new Thread(this::kill);

  private MariaDbServer(Path datadir, Path runDir, int port, List<String> extraOptions) {
    this.extraOptions = List.copyOf(extraOptions);
    this.datadir = datadir;
    this.runDir = runDir;
    this.socket = runDir.resolve("mysqld.sock");
    this.errorLog = runDir.resolve("error.log");
    this.port = port;
  }

  /**
   * Creates a fresh data directory with {@code mariadb-install-db}. The directory must not exist or
   * be empty.
   */
  public static void install(Path datadir) {
    install(datadir, List.of());
  }

  /**
   * Like {@link #install(Path)}, with extra server options such as {@code
   * --innodb-data-home-dir=...} (the same ones must then be given to {@link #start}).
   */
  public static void install(Path datadir, List<String> extraOptions) {
    try {
      Files.createDirectories(datadir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary("mariadb-install-db").toString(),
                "--no-defaults",
                "--user=root",
                "--datadir=" + datadir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                // Smaller redo log than the 96 MiB default keeps test data directories small.
                "--innodb-log-file-size=16M"));
    cmd.addAll(extraOptions);
    ProcessRunner.Result r = ProcessRunner.run(Duration.ofMinutes(5), null, Map.of(), cmd);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "mariadb-install-db failed with exit " + r.exitCode() + " for " + datadir + "\n" + r);
    }
  }

  /** Installs a fresh data directory and starts a server on it. */
  public static MariaDbServer installAndStart(Path datadir, Path runDir) {
    install(datadir);
    return start(datadir, runDir);
  }

  /**
   * Starts {@code mariadbd} on an existing data directory (a fresh one or a restored one) and waits
   * until it accepts connections. {@code runDir} holds the socket, pid file and error log, outside
   * the data directory so they are not part of what is backed up.
   */
  public static MariaDbServer start(Path datadir, Path runDir) {
    return start(datadir, runDir, List.of());
  }

  /** Like {@link #start(Path, Path)}, with extra server options. */
  public static MariaDbServer start(Path datadir, Path runDir, List<String> extraOptions) {
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (runDir.toAbsolutePath().toString().length() > 90) {
      // sun_path is 108 bytes; fail here rather than with a confusing bind error.
      throw new IllegalArgumentException("run directory path too long for a socket: " + runDir);
    }
    MariaDbServer server = new MariaDbServer(datadir, runDir, freeLoopbackPort(), extraOptions);
    server.launch();
    return server;
  }

  private void launch() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary("mariadbd").toString(),
                "--no-defaults",
                "--user=root",
                "--datadir=" + datadir,
                "--socket=" + socket,
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--pid-file=" + runDir.resolve("mysqld.pid"),
                "--log-error=" + errorLog,
                "--innodb-log-file-size=16M",
                "--innodb-buffer-pool-size=128M",
                "--skip-name-resolve",
                "--skip-log-bin"));
    cmd.addAll(extraOptions);
    try {
      Files.deleteIfExists(socket);
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(runDir.resolve("mariadbd.out").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start mariadbd: " + cmd, e);
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    waitUntilReady();
  }

  private void waitUntilReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mariadbd exited with "
                + process.exitValue()
                + " while starting on "
                + datadir
                + "\n"
                + errorLogTail());
      }
      if (Files.exists(socket)) {
        ProcessRunner.Result ping =
            ProcessRunner.run(
                Duration.ofSeconds(10),
                binary("mariadb-admin").toString(),
                "--no-defaults",
                "--user=root",
                "--socket=" + socket,
                "--connect-timeout=5",
                "ping");
        if (ping.exitCode() == 0) {
          return;
        }
      }
      sleep(200);
    }
    kill();
    throw new IllegalStateException(
        "mariadbd on " + datadir + " not ready after " + START_TIMEOUT + "\n" + errorLogTail());
  }

  /** Runs SQL through the {@code mariadb} client and returns its tab-separated output rows. */
  public List<List<String>> query(String sql) {
    String out = sql(sql);
    List<List<String>> rows = new ArrayList<>();
    for (String line : out.split("\n", -1)) {
      if (!line.isEmpty()) {
        rows.add(Arrays.asList(line.split("\t", -1)));
      }
    }
    return rows;
  }

  /** Runs SQL (one or more statements) and returns the raw batch output, without column names. */
  public String sql(String sql) {
    ProcessRunner.Result r =
        ProcessRunner.runWithInput(
            SQL_TIMEOUT,
            sql,
            binary("mariadb").toString(),
            "--no-defaults",
            "--user=root",
            "--socket=" + socket,
            "--batch",
            "--skip-column-names",
            "--raw");
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "SQL failed (exit "
              + r.exitCode()
              + ") on "
              + datadir
              + ": "
              + abbreviate(sql)
              + "\n"
              + r);
    }
    return r.stdout();
  }

  /** Returns a single value. */
  public String scalar(String sql) {
    List<List<String>> rows = query(sql);
    if (rows.size() != 1 || rows.get(0).size() != 1) {
      throw new IllegalStateException("expected one value from " + sql + " but got " + rows);
    }
    return rows.get(0).get(0);
  }

  /**
   * Every base table outside the server's virtual schemas, as {@code schema.table}, with its
   * storage engine.
   */
  public Map<String, String> tables() {
    Map<String, String> tables = new TreeMap<>();
    for (List<String> row :
        query(
            "SELECT table_schema, table_name, engine FROM information_schema.tables"
                + " WHERE table_type = 'BASE TABLE'"
                + " AND table_schema NOT IN ('information_schema', 'performance_schema', 'sys')"
                + " ORDER BY 1, 2")) {
      tables.put(row.get(0) + "." + row.get(1), row.get(2));
    }
    return tables;
  }

  /**
   * For each given table, {@code CHECKSUM TABLE ... EXTENDED} and {@code COUNT(*)} as one string,
   * so two servers can be compared with one equality.
   */
  public Map<String, String> checksums(Iterable<String> qualifiedTables) {
    Map<String, String> result = new TreeMap<>();
    for (String t : qualifiedTables) {
      String quoted = quote(t);
      List<List<String>> sum = query("CHECKSUM TABLE " + quoted + " EXTENDED");
      String count = scalar("SELECT COUNT(*) FROM " + quoted);
      result.put(t, "checksum=" + sum.get(0).get(1) + " rows=" + count);
    }
    return result;
  }

  private static String quote(String qualified) {
    int dot = qualified.indexOf('.');
    return "`"
        + qualified.substring(0, dot).replace("`", "``")
        + "`.`"
        + qualified.substring(dot + 1).replace("`", "``")
        + "`";
  }

  public Path datadir() {
    return datadir;
  }

  public Path socket() {
    return socket;
  }

  public int port() {
    return port;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /**
   * Clean shutdown: {@code SHUTDOWN} over the socket, then wait for the process to exit and release
   * its locks. Falls back to SIGTERM (also a clean shutdown for mariadbd) if the client fails.
   */
  public void shutdown() {
    if (!isRunning()) {
      return;
    }
    ProcessRunner.Result r =
        ProcessRunner.runWithInput(
            Duration.ofSeconds(30),
            "SHUTDOWN;",
            binary("mariadb").toString(),
            "--no-defaults",
            "--user=root",
            "--socket=" + socket);
    if (r.exitCode() != 0) {
      process.destroy();
    }
    try {
      if (!process.waitFor(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          kill();
          throw new IllegalStateException(
              "mariadbd on " + datadir + " did not shut down in time\n" + errorLogTail());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new IllegalStateException("interrupted while shutting down mariadbd", e);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException(
          "mariadbd on " + datadir + " exited with " + process.exitValue() + "\n" + errorLogTail());
    }
  }

  private void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    try {
      shutdown();
    } finally {
      kill();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException | IllegalArgumentException ignored) {
        // The JVM is already shutting down, or the hook was never registered.
      }
    }
  }

  /** The last lines of the server's error log, for failure messages. */
  public String errorLogTail() {
    try {
      if (!Files.exists(errorLog)) {
        return "(no error log at " + errorLog + ")";
      }
      List<String> lines = Files.readAllLines(errorLog, StandardCharsets.UTF_8);
      return "--- "
          + errorLog
          + " (tail) ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + errorLog + ": " + e + ")";
    }
  }

  /** Finds a MariaDB binary in the usual Debian locations or on PATH. Fails loudly when absent. */
  public static Path binary(String name) {
    List<Path> candidates = new ArrayList<>();
    candidates.add(Path.of("/usr/sbin", name));
    candidates.add(Path.of("/usr/bin", name));
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    for (Path p : candidates) {
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        name
            + " not found in /usr/sbin, /usr/bin or PATH. The integration tests need Debian's"
            + " mariadb-server and mariadb-client packages: run `make deps`"
            + " (scripts/ensure-deps.sh) or `apt-get install mariadb-server mariadb-client`.");
  }

  private static int freeLoopbackPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
