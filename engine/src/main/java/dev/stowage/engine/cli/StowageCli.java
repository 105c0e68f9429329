package dev.stowage.engine.cli;

import dev.stowage.engine.core.Version;
import dev.stowage.engine.crypto.CryptoProviders;
import dev.stowage.engine.error.ExitCode;
import dev.stowage.engine.redact.RedactingOutputStream;
import dev.stowage.engine.redact.Redactor;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
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
    if (args.length > 0 && COMMANDS.containsKey(args[0])) {
      Warmup.start(args[0]);
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

  /**
   * The subcommands, in the order {@code --help} lists them. Each is built only when the command
   * line names it (or names none: help, errors): picocli reads every option of a command it is
   * given by reflection, and a Job's JVM pays that before it does any work.
   */
  private static final Map<String, Supplier<Object>> COMMANDS = commands();

  private static Map<String, Supplier<Object>> commands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("backup", BackupCommand::new);
    m.put("restore", RestoreCommand::new);
    m.put("verify", VerifyCommand::new);
    m.put("ls", LsCommand::new);
    m.put("inspect", InspectCommand::new);
    m.put("rm", RmCommand::new);
    m.put("check", CheckCommand::new);
    return m;
  }

  /** Runs a command line and returns its exit code. */
  public static int execute(String... args) {
    CommandLine cl = commandLine(args);
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
   * The command line for {@code args}: the subcommand it names, or every one when it names none
   * (help, errors); enum values in any letter case.
   */
  static CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new StowageCli());
    Supplier<Object> named = args.length > 0 ? COMMANDS.get(args[0]) : null;
    if (named != null) {
      cl.addSubcommand(args[0], named.get());
    } else {
      COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    }
    return cl.setCaseInsensitiveEnumValuesAllowed(true);
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
        spec.commandLine(), "give a command: backup, restore, verify, ls, inspect, rm or check");
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"stowage " + Version.get()};
    }
  }
}
