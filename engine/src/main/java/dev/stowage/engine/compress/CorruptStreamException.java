package dev.stowage.engine.compress;

import java.io.IOException;

/** The stored bytes are not a valid stream of the backup's compression format. */
public class CorruptStreamException extends IOException {
  public CorruptStreamException(String message, Throwable cause) {
    super(message, cause);
  }

  public CorruptStreamException(String message) {
    super(message);
  }
}
