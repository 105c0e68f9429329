package dev.stowage.engine.cli;

import dev.stowage.engine.core.Version;
import dev.stowage.engine.error.ExitCode;
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
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code. */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new StowageCli());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("error: " + ex.getMessage());
          ex.getCommandLine()
              .getErr()
              .println(
                  "Run '"
                      + ex.getCommandLine().getCommandSpec().qualifiedName()
                      + " --help' for usage.");
          return ExitCode.INVALID_ARGUMENTS.code();
        });
    return cl.execute(args);
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
