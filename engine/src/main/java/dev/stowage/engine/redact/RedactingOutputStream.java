package dev.stowage.engine.redact;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Passes bytes on line by line through a {@link Redactor}, so that nothing printed on stdout or
 * stderr (log lines, stack traces, picocli's messages) carries a secret. A line is held until its
 * newline, a {@code flush()} (a progress line on a terminal) or {@link #MAX_LINE} bytes. Bytes are
 * matched one to one as ISO-8859-1, so text in any encoding passes through unchanged except for
 * what is redacted.
 */
public final class RedactingOutputStream extends OutputStream {
  /** A line longer than this is passed on in pieces (a secret cut in two would then survive). */
  static final int MAX_LINE = 64 * 1024;

  private final OutputStream out;
  private final Redactor redactor;
  private byte[] line = new byte[256];
  private int length;

  public RedactingOutputStream(OutputStream out, Redactor redactor) {
    this.out = out;
    this.redactor = redactor;
  }

  @Override
  public synchronized void write(int b) throws IOException {
    append((byte) b);
    if (b == '\n' || length >= MAX_LINE) {
      emit();
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    for (int i = off; i < off + len; i++) {
      append(b[i]);
      if (b[i] == '\n' || length >= MAX_LINE) {
        emit();
      }
    }
  }

  private void append(byte b) {
    if (length == line.length) {
      line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
    }
    line[length++] = b;
  }

  private void emit() throws IOException {
    if (length == 0) {
      return;
    }
    String text = new String(line, 0, length, StandardCharsets.ISO_8859_1);
    out.write(redactor.redact(text).getBytes(StandardCharsets.ISO_8859_1));
    length = 0;
  }

  @Override
  public synchronized void flush() throws IOException {
    emit();
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    flush();
    out.close();
  }
}
