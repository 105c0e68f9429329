/**
 * The {@code stowage} command line (picocli): one command per class, their options, exit codes and
 * the JSON result file the operator reads as a termination message.
 */
package dev.stowage.engine.cli;
