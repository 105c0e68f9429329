/**
 * Secrets never printed: a redactor for credentials and signed URLs, applied to every line the
 * engine writes to stdout, stderr and its result file.
 */
package dev.stowage.engine.redact;
