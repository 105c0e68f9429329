package dev.stowage.engine.core;

import java.util.List;

/** What a command did, for the log and the result file. */
public record RunSummary(
    String name,
    String location,
    long files,
    long chunks,
    long objects,
    long bytesRead,
    long bytesStored,
    long bytesWritten,
    double durationSeconds,
    List<String> skipped) {}
