package dev.stowage.engine.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.BackupLocation;
import dev.stowage.engine.testing.EngineProcess;
import dev.stowage.engine.testing.ProcessRunner;
import dev.stowage.engine.testing.s3.FaultProxy;
import dev.stowage.engine.testing.s3.FaultProxy.Fault;
import dev.stowage.engine.testing.s3.VersityGw;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Large unchunked objects read with parallel ranged GETs against a real S3 server (VersityGW on
 * loopback): the restored bytes are identical with ranges on and off, cut ranges are fetched again,
 * an object replaced between two ranges fails instead of mixing versions, a truncated object fails
 * naming its file, and the range buffers never exceed their budget.
 */
class S3RangedGetIT {
  private static final String BUCKET = "stowage-ranged-it";
  private static final int MIB = 1 << 20;

  /** Small ranges and a low threshold so a 40 MiB file is read as tens of ranges. */
  private static final List<String> RANGED =
      List.of(
          "--s3-ranged-get=true",
          "--s3-ranged-get-threshold",
          "4Mi",
          "--s3-range-size",
          "1Mi",
          "--s3-ranges-in-flight",
          "4");

  @TempDir static Path shared;
  static VersityGw s3;
  static Path source;

  @BeforeAll
  static void start() throws Exception {
    EngineProcess.jar();
    s3 = VersityGw.start();
    s3.createBucket(BUCKET);
    s3.useAsJvmCredentials();
    source = shared.resolve("source");
    Files.createDirectories(source.resolve("db"));
    Files.write(source.resolve("db/big.ibd"), halfRandom(40 * MIB, 1));
    Files.writeString(source.resolve("db/small.frm"), "a small file, one GET");
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            source.toString(),
            "--storage",
            s3.storageUrl(BUCKET, "r"),
            "--directory",
            "it/db",
            "--name",
            "b1",
            "--chunk-threshold",
            "0",
            "--quiet");
    assertThat(b.exitCode()).as("%s", b).isZero();
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Random bytes in the first half, a repeating pattern in the second: zstd shrinks it some. */
  private static byte[] halfRandom(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    for (int i = size / 2; i < size; i++) {
      b[i] = (byte) (i % 251);
    }
    return b;
  }

  private static ProcessRunner.Result engine(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(List.of(args));
    return ProcessRunner.run(Duration.ofMinutes(10), null, s3.sdkEnvironment(), cmd);
  }

  private static ProcessRunner.Result restore(String url, Path target, List<String> extra) {
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "restore",
            "--storage",
            url,
            "--directory",
            "it/db",
            "--name",
            "b1",
            "--datadir",
            target.toString(),
            "--quiet"));
    args.addAll(extra);
    return engine(args.toArray(String[]::new));
  }

  private static String sha256(Path p) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update(Files.readAllBytes(p));
    return HexFormat.of().formatHex(d.digest());
  }

  private static void assertSameFiles(Path restored) throws Exception {
    for (String f : List.of("db/big.ibd", "db/small.frm")) {
      assertThat(sha256(restored.resolve(f))).as(f).isEqualTo(sha256(source.resolve(f)));
    }
  }

  /** The key of the largest object of backup b1 (the whole-file object of db/big.ibd). */
  private static String bigObjectKey(S3Client client, String prefix) {
    return client
        .listObjectsV2(r -> r.bucket(BUCKET).prefix(prefix + "/it/db/b1/"))
        .contents()
        .stream()
        .max(java.util.Comparator.comparingLong(S3Object::size))
        .orElseThrow()
        .key();
  }

  @Test
  void aLargeUnchunkedObjectRestoredWithRangedGetsIsByteIdentical() throws Exception {
    Path target = shared.resolve("ranged");
    ProcessRunner.Result r = restore(s3.storageUrl(BUCKET, "r"), target, RANGED);
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.output()).contains("ranged GETs of 1Mi, at most 4 in flight");
    assertSameFiles(target);
  }

  @Test
  void rangedGetsOffGiveTheSameBytesInOneGetPerObject() throws Exception {
    Path target = shared.resolve("single");
    List<String> off = new ArrayList<>(RANGED);
    off.set(0, "--s3-ranged-get=false");
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      ProcessRunner.Result r = restore(s3.storageUrl(proxy.endpoint(), BUCKET, "r"), target, off);
      assertThat(r.exitCode()).as("%s", r).isZero();
      assertThat(r.output()).doesNotContain("ranged GETs");
      // MANIFEST (read for the name, then loaded) and one GET per object: nothing ranged.
      assertThat(proxy.events().stream().filter(e -> e.contains("GET")).count())
          .as("%s", proxy.events())
          .isLessThanOrEqualTo(4);
    }
    assertSameFiles(target);
  }

  @Test
  void rangesCutMidBodyAreFetchedAgainAndTheBytesStayIdentical() throws Exception {
    Path target = shared.resolve("cut");
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint());
        S3Client client = s3.clientBuilder().build()) {
      String key = bigObjectKey(client, "r");
      String object = key.substring(key.lastIndexOf('/') + 1);
      // The first GET of the big object (its first range's source) and two ranged GETs after it
      // are cut halfway through their bodies.
      proxy.inject(Fault.resetMidBody(), "GET", "/it/db/b1/" + object, 3);
      ProcessRunner.Result r =
          restore(s3.storageUrl(proxy.endpoint(), BUCKET, "r"), target, RANGED);
      assertThat(r.exitCode()).as("%s%n%s", r, proxy.events()).isZero();
      assertThat(proxy.events()).filteredOn(e -> e.contains("reset")).hasSize(3);
      assertThat(r.output())
          .as("a failed range is retried as a range, not the whole object again")
          .containsPattern("bytes \\d+-\\d+: attempt 1 of 5 failed");
    }
    assertSameFiles(target);
  }

  @Test
  void aRangeThatFailsAllItsRetriesFailsTheAttemptAndTheObjectIsRetriedWhole() throws Exception {
    Path target = shared.resolve("range-gives-up");
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint());
        S3Client client = s3.clientBuilder().build()) {
      String key = bigObjectKey(client, "r");
      String object = key.substring(key.lastIndexOf('/') + 1);
      // GET 1 (the plain GET) hands over range 0 before its cut; GETs 2 to 6 are the five
      // attempts at range 1, all cut: the object's first attempt fails, its second succeeds.
      proxy.inject(Fault.resetMidBody(), "GET", "/it/db/b1/" + object, 6);
      List<String> oneInFlight = new ArrayList<>(RANGED);
      oneInFlight.set(RANGED.size() - 1, "1");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-jar");
      cmd.add(EngineProcess.jar().toString());
      cmd.addAll(
          List.of(
              "restore",
              "--storage",
              s3.storageUrl(proxy.endpoint(), BUCKET, "r"),
              "--directory",
              "it/db",
              "--name",
              "b1",
              "--datadir",
              target.toString(),
              "--quiet"));
      cmd.addAll(oneInFlight);
      // A range buffer lost with the failed attempt would leave the retry waiting forever.
      ProcessRunner.Result r =
          ProcessRunner.run(Duration.ofSeconds(90), null, s3.sdkEnvironment(), cmd);
      assertThat(r.exitCode()).as("%s%n%s", r, proxy.events()).isZero();
      assertThat(r.output())
          .containsPattern("bytes 1048576-2097151: attempt 4 of 5 failed")
          .contains("(Data/db/big.ibd): attempt 1 of 5 failed");
    }
    assertSameFiles(target);
  }

  @Test
  void aTruncatedObjectFailsNamingTheFile() throws Exception {
    try (S3Client client = s3.clientBuilder().build()) {
      // A second copy of the backup under another prefix, with its big object cut to 60%.
      for (S3Object o :
          client.listObjectsV2(r -> r.bucket(BUCKET).prefix("r/it/db/b1/")).contents()) {
        byte[] bytes = client.getObjectAsBytes(g -> g.bucket(BUCKET).key(o.key())).asByteArray();
        if (o.key().equals(bigObjectKey(client, "r"))) {
          bytes = Arrays.copyOf(bytes, bytes.length * 6 / 10);
        }
        byte[] put = bytes;
        client.putObject(
            p -> p.bucket(BUCKET).key("t/" + o.key().substring(2)), RequestBody.fromBytes(put));
      }
    }
    Path target = shared.resolve("truncated");
    ProcessRunner.Result r = restore(s3.storageUrl(BUCKET, "t"), target, RANGED);
    assertThat(r.exitCode()).as("%s", r).isEqualTo(4);
    assertThat(r.output())
        .contains("ranged GETs")
        .contains("Data/db/big.ibd")
        .contains("checksum mismatch");
    assertThat(target.resolve(".stowage-restore-in-progress")).exists();
  }

  @Test
  void anObjectReplacedBetweenRangesFailsInsteadOfMixingVersions() throws Exception {
    byte[] v1 = halfRandom(12 * MIB, 2);
    byte[] v2 = halfRandom(12 * MIB, 3);
    BackupLocation loc = new BackupLocation("it/replaced", "b");
    S3Options options = S3Options.parse(s3.storageUrl(BUCKET, "x"));
    String key = options.key(loc.directory(), loc.name(), "0");
    try (S3Client client = s3.clientBuilder().build();
        S3Storage storage = new S3Storage(options, 2, new RangedGets(true, 4 * MIB, MIB, 2))) {
      client.putObject(p -> p.bucket(BUCKET).key(key), RequestBody.fromBytes(v1));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      ReadableByteChannel ch = storage.open(loc, "0");
      assertThat(ch).isInstanceOf(RangedObjectChannel.class);
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      // Two ranges in flight: once the reader holds range 0, range 2 cannot have started.
      ch.read(buf);
      got.write(buf.array(), 0, buf.position());
      client.putObject(p -> p.bucket(BUCKET).key(key), RequestBody.fromBytes(v2));
      assertThatThrownBy(
              () -> {
                while (true) {
                  buf.clear();
                  if (ch.read(buf) < 0) {
                    break;
                  }
                  got.write(buf.array(), 0, buf.position());
                }
              })
          .isInstanceOfSatisfying(
              EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INTEGRITY))
          .hasMessageContaining("s3://" + BUCKET + "/" + key)
          .hasMessageContaining("changed while it was being read")
          .hasMessageContaining("If-Match");
      ch.close();
      byte[] read = got.toByteArray();
      assertThat(read.length).as("only whole ranges of the first version").isLessThan(v1.length);
      assertThat(read).isEqualTo(Arrays.copyOf(v1, read.length));
    }
  }

  @Test
  void anObjectFarLargerThanTheRangeBudgetIsReadWithinIt() throws Exception {
    byte[] data = halfRandom(24 * MIB, 4);
    BackupLocation loc = new BackupLocation("it/budget", "b");
    S3Options options = S3Options.parse(s3.storageUrl(BUCKET, "x"));
    String key = options.key(loc.directory(), loc.name(), "0");
    try (S3Client client = s3.clientBuilder().build();
        S3Storage storage = new S3Storage(options, 2, new RangedGets(true, 4 * MIB, MIB, 3))) {
      client.putObject(p -> p.bucket(BUCKET).key(key), RequestBody.fromBytes(data));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      // Two objects at once, read by two threads: they share the 3 buffers.
      Thread other =
          new Thread(
              () -> {
                try (ReadableByteChannel ch = storage.open(loc, "0")) {
                  ByteBuffer b = ByteBuffer.allocate(256 * 1024);
                  while (ch.read(b) >= 0) {
                    b.clear();
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      other.start();
      try (ReadableByteChannel ch = storage.open(loc, "0")) {
        ByteBuffer buf = ByteBuffer.allocate(100_000);
        while (ch.read(buf) >= 0) {
          got.write(buf.array(), 0, buf.position());
          buf.clear();
          Thread.sleep(0, 1000); // a slow reader: fetches must wait, not pile up
        }
      }
      other.join();
      assertThat(got.toByteArray()).isEqualTo(data);
      int[] counts = storage.rangeBufferCounts();
      assertThat(counts[0]).as("buffers held at once").isBetween(2, 3);
      assertThat(counts[1]).as("buffers ever allocated").isLessThanOrEqualTo(3);
    }
  }

  private static Path heapSource;

  /** A 96 MiB incompressible file backed up unchunked under prefix "h", made once. */
  private static synchronized Path heapSource() throws Exception {
    if (heapSource != null) {
      return heapSource;
    }
    Path src = shared.resolve("heap-src");
    Files.createDirectories(src.resolve("db"));
    byte[] big = new byte[96 * MIB];
    new Random(5).nextBytes(big);
    Files.write(src.resolve("db/big2.ibd"), big);
    ProcessRunner.Result b =
        engine(
            "backup",
            "--datadir",
            src.toString(),
            "--storage",
            s3.storageUrl(BUCKET, "h"),
            "--directory",
            "it/db",
            "--name",
            "b1",
            "--chunk-threshold",
            "0",
            "--quiet");
    assertThat(b.exitCode()).as("%s", b).isZero();
    heapSource = src;
    return src;
  }

  /** A restore of backup "h" in a JVM with a 48 MiB heap, with these ranged-GET settings. */
  private static ProcessRunner.Result restoreInA48MiBHeap(Path target, String... ranged) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx48m");
    cmd.add("-jar");
    cmd.add(EngineProcess.jar().toString());
    cmd.addAll(
        List.of(
            "restore",
            "--storage",
            s3.storageUrl(BUCKET, "h"),
            "--directory",
            "it/db",
            "--name",
            "b1",
            "--datadir",
            target.toString(),
            "--quiet"));
    cmd.addAll(List.of(ranged));
    return ProcessRunner.run(Duration.ofMinutes(10), null, s3.sdkEnvironment(), cmd);
  }

  private static void assertRestoredWhole(Path src, Path target) throws Exception {
    assertThat(sha256(target.resolve("db/big2.ibd"))).isEqualTo(sha256(src.resolve("db/big2.ibd")));
    try (Stream<Path> s = Files.list(target)) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .doesNotContain(".stowage-restore-in-progress");
    }
  }

  @Test
  void aRestoreOfAnObjectLargerThanTheHeapStaysWithinASmallHeap() throws Exception {
    // 96 MiB stored, a 48 MiB heap: ranges held whole or buffered without bound would not fit.
    Path src = heapSource();
    Path target = shared.resolve("heap-target");
    ProcessRunner.Result r =
        restoreInA48MiBHeap(
            target,
            "--s3-ranged-get-threshold",
            "16Mi",
            "--s3-range-size",
            "4Mi",
            "--s3-ranges-in-flight",
            "4");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.output()).containsPattern("2[45] ranged GETs of 4Mi");
    assertThat(r.output()).doesNotContain("range buffer");
    assertRestoredWhole(src, target);
  }

  @Test
  void rangeBuffersThatWouldNotFitInTheHeapAreLoweredAndSaid() throws Exception {
    // 8 ranges of 8 MiB in flight are 64 MiB, more than the whole 48 MiB heap: before, the restore
    // died half-way with "Java heap space". Half the heap less the workers' buffers holds 2.
    Path src = heapSource();
    Path target = shared.resolve("heap-target-lowered");
    ProcessRunner.Result r =
        restoreInA48MiBHeap(
            target,
            "--s3-ranged-get-threshold",
            "16Mi",
            "--s3-range-size",
            "8Mi",
            "--s3-ranges-in-flight",
            "8");
    assertThat(r.exitCode()).as("%s", r).isZero();
    assertThat(r.output())
        .contains("--s3-ranges-in-flight 8: only 2 range buffers of 8Mi fit in this JVM's heap")
        .contains("-Xmx")
        .containsPattern("1[23] ranged GETs of 8Mi, at most 2 in flight");
    assertRestoredWhole(src, target);
  }
}
