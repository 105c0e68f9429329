package dev.stowage.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stowage.engine.catalog.BackupCatalog;
import dev.stowage.engine.core.RunSummary;
import dev.stowage.engine.error.EngineException;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.storage.BackupStorage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** Shared shape of the commands: run, map failures to exit codes, write the result file. */
abstract class EngineCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger("stowage");

  @Option(
      names = "--result-file",
      paramLabel = "F",
      description = "Write a JSON summary (at most 4 KiB) here, on success and on failure.")
  Path resultFile;

  /** The backup a {@code --name latest} stood for, once resolved. */
  private String resolvedName;

  abstract String commandName();

  /** The backup name, if known before running, for failure results. */
  String nameForResult() {
    return null;
  }

  /**
   * Resolves {@code --name} ({@code latest} to the newest complete backup) and remembers the
   * result, so that a failure later in the run still names the backup in the result file.
   */
  final String resolveName(BackupStorage storage, String directory, String name) {
    resolvedName = new BackupCatalog(storage).resolve(directory, name).name();
    return resolvedName;
  }

  /** The resolved name when there is one, else {@code given}. */
  final String resolvedOr(String given) {
    return resolvedName != null ? resolvedName : given;
  }

  abstract RunSummary execute();

  /** Adds what only this command knows to a success result (never a secret). */
  void addToResult(ObjectNode result) {}

  /** Adds what only this command knows to a failure result (never a secret). */
  void addToFailure(ObjectNode result) {}

  @Override
  public final Integer call() {
    long start = System.nanoTime();
    try {
      RunSummary s = execute();
      ObjectNode result = ResultFile.success(commandName(), s);
      addToResult(result);
      writeResult(result, 0);
      return 0;
    } catch (EngineException e) {
      LOG.error(e.getMessage());
      if (e.getCause() != null && e.exitCode() == ExitCode.OTHER) {
        LOG.debug("cause", e.getCause());
      }
      ObjectNode result =
          ResultFile.failure(commandName(), nameForResult(), e, (System.nanoTime() - start) / 1e9);
      addToFailure(result);
      writeResult(result, e.exitCode().code());
      return e.exitCode().code();
    } catch (RuntimeException | Error e) {
      EngineException wrapped =
          new EngineException(
              ExitCode.OTHER, null, commandName() + " failed unexpectedly: " + e, e);
      LOG.error(wrapped.getMessage(), e);
      ObjectNode result =
          ResultFile.failure(
              commandName(), nameForResult(), wrapped, (System.nanoTime() - start) / 1e9);
      addToFailure(result);
      writeResult(result, ExitCode.OTHER.code());
      return ExitCode.OTHER.code();
    }
  }

  /**
   * Writes the result file if one was asked for. A failure to write it is reported on stderr and
   * never changes the exit code: the command's outcome (a stored backup, a restored volume) is what
   * a caller must act on, and the exit code still tells it.
   */
  private void writeResult(ObjectNode n, int exitCode) {
    if (resultFile == null) {
      return;
    }
    String problem = ResultFile.writeOrExplain(resultFile, n, exitCode);
    if (problem != null) {
      LOG.error(problem);
    }
  }
}
