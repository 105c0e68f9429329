package dev.stowage.engine.crypto;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Where an object belongs: the associated data every segment of it is sealed with, so an object
 * moved to another backup, file, chunk or offset does not authenticate.
 *
 * @param base the FileEntry's Base (Vitess name, e.g. "Data")
 * @param object the storage name ("3" or "3-1": file index and chunk index)
 * @param length the raw (uncompressed) bytes the object holds
 */
public record ObjectPlace(
    String backupName, String base, String fileName, String object, long offset, long length) {

  byte[] associatedData() {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream(128);
      DataOutputStream d = new DataOutputStream(b);
      d.write("stowage-object-v1".getBytes(StandardCharsets.US_ASCII));
      for (String s : new String[] {backupName, base, fileName, object}) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(u.length); // length-prefixed: no two places encode alike
        d.write(u);
      }
      d.writeLong(offset);
      d.writeLong(length);
      return b.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
