/**
 * The engines failures: {@link dev.stowage.engine.error.EngineException} with its {@link
 * dev.stowage.engine.error.ExitCode} and the object it is about, and server text made safe to
 * print.
 */
package dev.stowage.engine.error;
