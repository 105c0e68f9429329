package dev.stowage.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A backup as it lies on file storage ({@code <root>/<directory>/<name>/}), read with plain Jackson
 * from FORMAT.md rather than with the engine's own model, so the tests check the format and not the
 * engine against itself.
 */
public record StoredBackup(Path dir) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One FileEntries element, with its index. */
  public record FileEntry(int index, String base, String name, String hash, List<Chunk> chunks) {
    public boolean chunked() {
      return !chunks.isEmpty();
    }
  }

  /** One Chunks element of a chunked file. */
  public record Chunk(String storageName, long offset, long size, String hash) {}

  public static StoredBackup at(Path storageRoot, String directory, String name) {
    return new StoredBackup(storageRoot.resolve(directory).resolve(name));
  }

  public Path manifestPath() {
    return dir.resolve("MANIFEST");
  }

  public boolean hasManifest() {
    return Files.exists(manifestPath());
  }

  public ObjectNode manifest() {
    try {
      return (ObjectNode) JSON.readTree(manifestPath().toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + manifestPath(), e);
    }
  }

  /** Replaces MANIFEST with {@code manifest}, written as Vitess writes it (two-space indent). */
  public void writeManifest(JsonNode manifest) {
    try {
      Files.writeString(
          manifestPath(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + manifestPath(), e);
    }
  }

  public List<FileEntry> files() {
    List<FileEntry> files = new ArrayList<>();
    JsonNode entries = manifest().path("FileEntries");
    for (int i = 0; i < entries.size(); i++) {
      JsonNode e = entries.get(i);
      List<Chunk> chunks = new ArrayList<>();
      for (JsonNode c : e.path("Chunks")) {
        chunks.add(
            new Chunk(
                c.path("StorageName").asText(),
                c.path("Offset").asLong(),
                c.path("Size").asLong(),
                c.path("Hash").asText()));
      }
      files.add(
          new FileEntry(
              i,
              e.path("Base").asText(),
              e.path("Name").asText(),
              e.path("Hash").asText(),
              chunks));
    }
    return files;
  }

  /** The chunked file with the most chunks, if any. */
  public Optional<FileEntry> largestChunkedFile() {
    return files().stream()
        .filter(FileEntry::chunked)
        .max((a, b) -> Integer.compare(a.chunks().size(), b.chunks().size()));
  }

  /** The chunked file named {@code name}. */
  public FileEntry file(String name) {
    return files().stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no file entry " + name + " in " + manifestPath()));
  }

  /** A whole-file (unchunked) entry with at least {@code minSize} bytes stored. */
  public Optional<FileEntry> wholeFileEntry(long minStoredSize) {
    return files().stream()
        .filter(f -> !f.chunked())
        .filter(f -> size(object(String.valueOf(f.index()))) >= minStoredSize)
        .findFirst();
  }

  public Path object(String storageName) {
    return dir.resolve(storageName);
  }

  /** Names of every object in the backup directory except MANIFEST, sorted. */
  public List<String> objectNames() {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals("MANIFEST"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Inverts one bit of the byte at the middle of an object, keeping its size. */
  public void flipByte(String storageName) {
    Path p = object(storageName);
    try {
      byte[] b = Files.readAllBytes(p);
      if (b.length == 0) {
        throw new IllegalStateException("object " + p + " is empty, nothing to flip");
      }
      b[b.length / 2] ^= 0x10;
      Files.write(p, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
