package dev.stowage.engine.cli;

import dev.stowage.engine.core.Version;
import dev.stowage.engine.crypto.CryptoProviders;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.redact.RedactingOutputStream;
import dev.stowage.engine.redact.Redactor;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stowage} command line: backup, restore, verify, ls, inspect. */
@Command(
    name = "stowage",
    mixinStandardHelpOptions = true,
    versionProvider = StowageCli.VersionProvider.class,
    description =
        "Fast physical backup and restore of MySQL/MariaDB data directories"
            + " in the Vitess builtin backup format.",
    subcommands = {
      BackupCommand.class,
      RestoreCommand.class,
      VerifyCommand.class,
      LsCommand.class,
      InspectCommand.class,
      RmCommand.class,
      CheckCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:any other failure",
      "2:invalid arguments or settings",
      "3:storage error (missing, unreachable, denied)",
      "4:integrity error (checksum or size mismatch, corrupt or malformed MANIFEST)",
      "5:unsafe source or target (live mysqld, non-empty target, not enough space)"
    })
public final class StowageCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Everything printed from here on (log, stack traces, usage errors, ls and inspect output)
    // passes the one Redactor, whatever an S3 endpoint put into an error message.
    Redactor redactor = Redactor.standard();
    PrintStream out = redacting(System.out, "sun.stdout.encoding", redactor);
    PrintStream err = redacting(System.err, "sun.stderr.encoding", redactor);
    System.setOut(out);
    System.setErr(err);
    if (needsCrypto(args)) {
      CryptoProviders.startLoading();
    }
    int code = execute(args);
    out.flush(); // a last line without a newline is still held by the redacting stream
    err.flush();
    System.exit(code);
  }

  /** Whether a command line will encrypt or reach S3 (a hint only: the commands decide). */
  static boolean needsCrypto(String[] args) {
    for (String a : args) {
      if (a.startsWith("--encryption-")
          || a.startsWith("s3://")
          || a.startsWith("--storage=s3://")) {
        return true;
      }
    }
    return false;
  }

  private static PrintStream redacting(PrintStream original, String encodingProperty, Redactor r) {
    String enc = System.getProperty(encodingProperty);
    Charset charset;
    try {
      charset = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
    } catch (IllegalArgumentException e) {
      charset = Charset.defaultCharset();
    }
    // No autoflush: it would flush (and so pass on) every print, cutting lines before they are
    // whole; the redacting stream passes each line on at its newline, and at an explicit flush.
    return new PrintStream(new RedactingOutputStream(original, r), false, charset);
  }

  /** Runs a command line and returns its exit code. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new StowageCli());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine failed = ex.getCommandLine();
          String usage = "Run '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.";
          failed.getErr().println("error: " + ex.getMessage());
          failed.getErr().println(usage);
          writeParseFailure(failed, ex.getMessage() + ". " + usage, args);
          return ExitCode.INVALID_ARGUMENTS.code();
        });
    return cl.execute(args);
  }

  /**
   * A caller that reads only the result file (the operator reads it as the termination message)
   * must see a command line it got wrong too: the raw arguments are searched for {@code
   * --result-file}, since picocli could not parse them.
   */
  private static void writeParseFailure(CommandLine failed, String message, String[] args) {
    Path file = ResultFile.findInArgs(args);
    if (file == null) {
      return;
    }
    String problem =
        ResultFile.writeOrExplain(
            file,
            ResultFile.parseFailure(failed.getCommandName(), message),
            ExitCode.INVALID_ARGUMENTS.code());
    if (problem != null) {
      failed.getErr().println("error: " + problem);
    }
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "give a command: backup, restore," + " verify, ls, inspect or rm");
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"stowage " + Version.get()};
    }
  }
}
