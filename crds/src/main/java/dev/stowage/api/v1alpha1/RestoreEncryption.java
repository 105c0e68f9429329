package dev.stowage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * The keys a restore may decrypt an encrypted backup with; the engine picks the one whose key id
 * the backup's MANIFEST names.
 */
@ValidationRule(
    value = "!has(self.additionalKeys) || !(self.keySecretRef.key in self.additionalKeys)",
    message =
        "spec.encryption.additionalKeys repeats spec.encryption.keySecretRef.key: list each key of"
            + " the Secret once",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.additionalKeys) || self.additionalKeys.all(k,"
            + " self.additionalKeys.exists_one(j, j == k))",
    message = "spec.encryption.additionalKeys names a key twice: list each key of the Secret once",
    reason = "FieldValueInvalid")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreEncryption {
  @Required
  @JsonPropertyDescription(
      "The Secret key (in this namespace) holding the 256-bit key of the backup: 32 raw bytes,"
          + " or their base64. Set for an encrypted backup; an encrypted backup restored without"
          + " it, or with another key, fails before anything is written (engine exit 4), and an"
          + " unencrypted backup restored with it fails too (so nobody who can write the bucket"
          + " can swap an encrypted backup for a plain one). Only the restore Job's engine"
          + " container gets the keys, as read-only files (mode 0400).")
  private SecretKeyRef keySecretRef;

  @Size(max = 15)
  @JsonPropertyDescription(
      "Other keys of the same Secret to offer as well, for key rotation: the engine uses"
          + " whichever of keySecretRef.key and these has the key id the backup's MANIFEST names"
          + " (so one MysqlRestore can name the current and the previous keys). At most 15.")
  private List<@Size(max = 253) @Pattern(ApiPatterns.CONFIG_KEY) String> additionalKeys;

  public SecretKeyRef getKeySecretRef() {
    return keySecretRef;
  }

  public void setKeySecretRef(SecretKeyRef keySecretRef) {
    this.keySecretRef = keySecretRef;
  }

  public List<String> getAdditionalKeys() {
    return additionalKeys;
  }

  public void setAdditionalKeys(List<String> additionalKeys) {
    this.additionalKeys = additionalKeys;
  }
}
