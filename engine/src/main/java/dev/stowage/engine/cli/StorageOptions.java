package dev.stowage.engine.cli;

import picocli.CommandLine.Option;

/** Where a command finds backups: the storage URL and the directory inside it. */
final class StorageOptions {
  @Option(
      names = "--storage",
      required = true,
      paramLabel = "URL",
      description =
          "Where backups live: file:///absolute/path (or an absolute path), or"
              + " s3://BUCKET/PREFIX?endpoint=..&region=..&pathStyle=..&caBundle=..")
  String storage;

  @Option(
      names = "--directory",
      required = true,
      paramLabel = "D",
      description = "Relative directory of one source's backups, e.g. ns/mysql.")
  String directory;
}
