package dev.stowage.engine.crypto;

import dev.stowage.engine.compress.CorruptStreamException;

/**
 * A stored object that does not authenticate (AES-GCM tag): altered, swapped, truncated, extended,
 * or not sealed with this backup's key. None of the failing segment's bytes were handed on.
 */
public final class ObjectAuthenticationException extends CorruptStreamException {
  public ObjectAuthenticationException(String message) {
    super(message);
  }
}
