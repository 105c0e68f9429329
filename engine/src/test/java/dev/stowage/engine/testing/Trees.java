package dev.stowage.engine.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.SplittableRandom;

/** File-tree chores for the integration tests. */
public final class Trees {

  private Trees() {}

  /** Copies {@code src} into {@code dst} (created), keeping attributes. */
  public static void copy(Path src, Path dst) {
    try {
      Files.walkFileTree(
          src,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              Files.createDirectories(dst.resolve(src.relativize(dir).toString()));
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.copy(
                  file,
                  dst.resolve(src.relativize(file).toString()),
                  StandardCopyOption.COPY_ATTRIBUTES);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + src + " to " + dst, e);
    }
  }

  /**
   * A small, deterministic stand-in for a data directory: an {@code ibdata1}, a redo log, schema
   * directories with table files of assorted sizes (two of them above an 8 MiB chunk threshold, one
   * not a multiple of 4 MiB), an empty file and an empty directory. Content is text-like and
   * compresses roughly like table data does, so compressed objects are neither trivial nor random.
   */
  public static void writeSampleDatadir(Path datadir) {
    try {
      Files.createDirectories(datadir);
      writePseudoData(datadir.resolve("ibdata1"), 12L << 20, 1);
      writePseudoData(datadir.resolve("ib_logfile0"), 2L << 20, 2);
      Files.writeString(datadir.resolve("aria_log_control"), "control\n");
      Path shop = Files.createDirectories(datadir.resolve("shop"));
      writePseudoData(shop.resolve("orders.ibd"), (10L << 20) + 12345, 3);
      Files.writeString(shop.resolve("orders.frm"), "frm-orders\n");
      writePseudoData(shop.resolve("customers.ibd"), 640 * 1024, 4);
      Files.writeString(shop.resolve("db.opt"), "default-character-set=utf8mb4\n");
      Path logs = Files.createDirectories(datadir.resolve("logs"));
      writePseudoData(logs.resolve("events.MAD"), 300 * 1024 + 7, 5);
      writePseudoData(logs.resolve("events.MAI"), 16 * 1024, 6);
      Files.createFile(logs.resolve("empty.MYD"));
      Files.createDirectories(datadir.resolve("emptyschema"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write sample data directory " + datadir, e);
    }
  }

  /** Writes {@code size} bytes of deterministic, moderately compressible text-like data. */
  public static void writePseudoData(Path file, long size, long seed) throws IOException {
    String[] words = {
      "order", "customer", "2024-05-17", "shipped", "pending", "NULL", "alpha", "widget",
      "gadget", "invoice", "paid", "refund", "berlin", "lisbon", "osaka", "toronto"
    };
    SplittableRandom rnd = new SplittableRandom(seed);
    byte[] buf = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(file)) {
      long left = size;
      while (left > 0) {
        int n = 0;
        while (n < buf.length) {
          byte[] w =
              (words[rnd.nextInt(words.length)]
                      + (char) ('a' + rnd.nextInt(26))
                      + rnd.nextInt(1000)
                      + '|')
                  .getBytes(StandardCharsets.US_ASCII);
          int take = Math.min(w.length, buf.length - n);
          System.arraycopy(w, 0, buf, n, take);
          n += take;
        }
        int write = (int) Math.min(left, buf.length);
        out.write(buf, 0, write);
        left -= write;
      }
    }
  }
}
